/// Math filters, with Ruby's semantics: integers stay integers, floats are exact decimals
/// (as with Ruby's BigDecimal), strings are read as numbers.
extension Filters {
    /// The math filters.
    static let mathFilters: [Filter] = [
        Filter("plus", arguments: 1...1) { input, args throws(LiquidError) in
            try arithmetic(input, args[0], .add)
        },
        Filter("minus", arguments: 1...1) { input, args throws(LiquidError) in
            try arithmetic(input, args[0], .subtract)
        },
        Filter("times", arguments: 1...1) { input, args throws(LiquidError) in
            try arithmetic(input, args[0], .multiply)
        },
        Filter("divided_by", arguments: 1...1) { input, args throws(LiquidError) in
            try arithmetic(input, args[0], .divide)
        },
        Filter("modulo", arguments: 1...1) { input, args throws(LiquidError) in
            try arithmetic(input, args[0], .modulo)
        },
        Filter("abs") { input, _ in
            switch Number(input) {
            case .int(let i): return i == Int.min ? .double(-Double(i)) : .int(abs(i))
            case .double(let d): return .double(abs(d))
            }
        },
        Filter("ceil") { input, _ in .int(integral(Number(input).doubleValue.rounded(.up))) },
        Filter("floor") { input, _ in .int(integral(Number(input).doubleValue.rounded(.down))) },
        Filter("round", arguments: 0...1) { input, args in
            let places = args.count > 0 ? max(-400, min(400, Number.lenientInteger(args[0]))) : 0
            return round(Number(input), places: places)
        },
        Filter("at_least", arguments: 1...1) { input, args in
            let value = Number(input)
            let bound = Number(args[0])
            return bound.doubleValue > value.doubleValue ? bound.value : value.value
        },
        Filter("at_most", arguments: 1...1) { input, args in
            let value = Number(input)
            let bound = Number(args[0])
            return bound.doubleValue < value.doubleValue ? bound.value : value.value
        },
    ]

    /// The arithmetic filters.
    enum Operation {
        case add, subtract, multiply, divide, modulo
    }

    /// `a op b` with Ruby's rules: integer operations stay integers (division floors), and a
    /// float on either side makes the result a float computed in decimal.
    static func arithmetic(_ a: Value, _ b: Value, _ operation: Operation) throws(LiquidError) -> Value {
        let x = Number(a)
        let y = Number(b)
        if case .int(let i) = x, case .int(let j) = y {
            switch operation {
            case .add:
                let (r, o) = i.addingReportingOverflow(j)
                return o ? .double(Double(i) + Double(j)) : .int(r)
            case .subtract:
                let (r, o) = i.subtractingReportingOverflow(j)
                return o ? .double(Double(i) - Double(j)) : .int(r)
            case .multiply:
                let (r, o) = i.multipliedReportingOverflow(by: j)
                return o ? .double(Double(i) * Double(j)) : .int(r)
            case .divide, .modulo:
                guard j != 0 else { throw LiquidError(.argument, "divided by 0") }
                if i == Int.min && j == -1 { return operation == .divide ? .double(-Double(i)) : .int(0) }
                var q = i / j
                var r = i % j
                if r != 0 && ((r < 0) != (j < 0)) {
                    q -= 1
                    r += j
                }
                return .int(operation == .divide ? q : r)
            }
        }
        let dx = x.doubleValue
        let dy = y.doubleValue
        if operation == .divide {
            guard dy != 0 else { throw LiquidError(.argument, "divided by 0") }
            return .double(dx / dy)
        }
        if operation == .modulo && dy == 0 { throw LiquidError(.argument, "divided by 0") }
        let exact: DecimalNumber?
        if let p = decimal(x), let q = decimal(y) {
            switch operation {
            case .add: exact = DecimalNumber.add(p, q)
            case .subtract: exact = DecimalNumber.subtract(p, q)
            case .multiply: exact = DecimalNumber.multiply(p, q)
            case .modulo: exact = DecimalNumber.modulo(p, q)
            case .divide: exact = nil
            }
        } else {
            exact = nil
        }
        if let exact { return .double(exact.doubleValue) }
        switch operation {
        case .add: return .double(dx + dy)
        case .subtract: return .double(dx - dy)
        case .multiply: return .double(dx * dy)
        default:
            let r = dx.truncatingRemainder(dividingBy: dy)
            return .double(r != 0 && ((r < 0) != (dy < 0)) ? r + dy : r)
        }
    }

    private static func decimal(_ n: Number) -> DecimalNumber? {
        switch n {
        case .int(let i): return DecimalNumber(i)
        case .double(let d): return DecimalNumber(d)
        }
    }

    /// A float that is a whole number, as an integer (clamped to the integer range).
    static func integral(_ d: Double) -> Int {
        guard d.isFinite else { return 0 }
        if d >= 9.2e18 { return Int.max }
        if d <= -9.2e18 { return Int.min }
        return Int(d)
    }

    /// `n` rounded half away from zero to `places` decimals; an integer when `places` ≤ 0.
    static func round(_ n: Number, places: Int) -> Value {
        switch n {
        case .int(let i):
            guard places < 0 else { return .int(i) }
            guard places > -19 else { return .int(0) }
            var scale = 1
            for _ in 0..<(-places) { scale *= 10 }
            let rounded = (Double(i) / Double(scale)).rounded(.toNearestOrAwayFromZero) * Double(scale)
            return .int(integral(rounded))
        case .double(let d):
            guard d.isFinite else { return .double(d) }
            if places <= 0 {
                var scale = 1.0
                for _ in 0..<min(-places, 300) { scale *= 10 }
                return .int(integral((d / scale).rounded(.toNearestOrAwayFromZero) * scale))
            }
            guard let decimal = DecimalNumber(d), decimal.exponent < -places else { return .double(d) }
            // drop digits past `places`, rounding half away from zero
            var mantissa = decimal.mantissa
            let drop = -places - decimal.exponent
            guard drop <= 18 else { return .double(0) }
            var divisor = 1
            for _ in 0..<drop { divisor *= 10 }
            let remainder = mantissa % divisor
            mantissa /= divisor
            if abs(remainder) * 2 >= divisor { mantissa += d < 0 ? -1 : 1 }
            return .double(DecimalNumber(mantissa: mantissa, exponent: -places).doubleValue)
        }
    }
}
