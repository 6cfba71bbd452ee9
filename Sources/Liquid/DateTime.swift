#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A moment for the `date` filter: seconds since the Unix epoch and an offset from UTC.
///
/// Inputs without a zone are taken as UTC (servers run in UTC; the result does not depend on
/// the machine's settings).
struct DateTime {
    /// Seconds since 1970-01-01T00:00:00Z.
    var seconds: Int
    /// Fractional nanoseconds.
    var nanoseconds: Int = 0
    /// The offset from UTC in seconds (what the date was written in).
    var offset: Int = 0

    /// The date `value` means: a timestamp, `"now"`, `"today"`, or a date in a common format;
    /// nil if it is none of these.
    init?(_ value: Value) {
        switch value {
        case .int(let i):
            guard i > -DateTime.maxSeconds && i < DateTime.maxSeconds else { return nil }
            seconds = i
        case .double(let d):
            guard d.isFinite, abs(d) < Double(DateTime.maxSeconds) else { return nil }
            seconds = Int(d.rounded(.down))
            nanoseconds = Int((d - d.rounded(.down)) * 1e9)
        case .string(let s):
            let text = s.trimmingSpaces
            if text.isEmpty { return nil }
            let lower = text.lowercased()
            if lower == "now" || lower == "today" {
                self = DateTime.now
                return
            }
            if text.utf8.allSatisfy(Bytes.isDigit) {
                guard let i = Int(text), i < DateTime.maxSeconds else { return nil }
                seconds = i
                return
            }
            guard let parsed = DateTime.parse(text) else { return nil }
            self = parsed
        default: return nil
        }
    }

    /// Moments further than this from 1970 (about 3 million years) are not dates.
    static let maxSeconds = 100_000_000_000_000

    init(seconds: Int, nanoseconds: Int = 0, offset: Int = 0) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
        self.offset = offset
    }

    /// The current time.
    static var now: DateTime {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return DateTime(seconds: Int(spec.tv_sec), nanoseconds: Int(spec.tv_nsec))
    }

    // MARK: Calendar

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// The date of a day since 1970-01-01.
    static func civil(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    /// The calendar fields of the moment, in its offset.
    struct Fields {
        var year, month, day, hour, minute, second, weekday, yearDay: Int
    }

    var fields: Fields {
        let local = seconds + offset
        let dayNumber = local >= 0 ? local / 86400 : (local - 86399) / 86400
        let secondOfDay = local - dayNumber * 86400
        let (year, month, day) = DateTime.civil(dayNumber)
        let weekday = ((dayNumber % 7) + 11) % 7  // 1970-01-01 was a Thursday (4)
        let yearDay = dayNumber - DateTime.days(year: year, month: 1, day: 1) + 1
        return Fields(
            year: year, month: month, day: day, hour: secondOfDay / 3600, minute: secondOfDay % 3600 / 60,
            second: secondOfDay % 60, weekday: weekday, yearDay: yearDay)
    }

    static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
        "December",
    ]
    static let dayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    // MARK: Parsing

    /// A date in one of the common written forms: ISO 8601 (`2016-03-14T10:00:00Z`),
    /// `2016/03/14`, `03/14/2016`, `March 14, 2016`, `14 Mar 2016 10:00`, RFC 2822...
    static func parse(_ text: String) -> DateTime? {
        enum Piece {
            case number(String, separatorAfter: Character?)
            case word(String)
            case time(hour: Int, minute: Int, second: Int, nanos: Int)
            case zone(Int)
        }
        let chars = Array(text)
        var pieces: [Piece] = []
        var i = 0
        var sawTime = false
        while i < chars.count {
            let c = chars[i]
            if c.isNumber && c.isASCII {
                var j = i
                while j < chars.count && chars[j].isASCII && chars[j].isNumber { j += 1 }
                let digits = String(chars[i..<j])
                if j < chars.count && chars[j] == ":" && digits.count <= 2 {
                    // a time hh:mm[:ss[.fff]]
                    var parts = [Int(digits) ?? 0]
                    var k = j
                    var nanos = 0
                    while k < chars.count && chars[k] == ":" && parts.count < 3 {
                        var m = k + 1
                        while m < chars.count && chars[m].isASCII && chars[m].isNumber { m += 1 }
                        guard m > k + 1 else { break }
                        parts.append(Int(String(chars[(k + 1)..<m])) ?? 0)
                        k = m
                    }
                    if k < chars.count && (chars[k] == "." || chars[k] == ",") && parts.count == 3 {
                        var m = k + 1
                        var fraction = ""
                        while m < chars.count && chars[m].isASCII && chars[m].isNumber {
                            fraction.append(chars[m])
                            m += 1
                        }
                        let padded = (fraction + "000000000").prefix(9)
                        nanos = Int(padded) ?? 0
                        k = m
                    }
                    guard parts.count >= 2 else { return nil }
                    var hour = parts[0]
                    // am / pm
                    var m = k
                    while m < chars.count && chars[m] == " " { m += 1 }
                    if m + 1 < chars.count {
                        let marker = String(chars[m...(m + 1)]).lowercased()
                        if marker == "am" || marker == "pm" {
                            if marker == "pm" && hour < 12 { hour += 12 }
                            if marker == "am" && hour == 12 { hour = 0 }
                            k = m + 2
                        }
                    }
                    pieces.append(
                        .time(hour: hour, minute: parts[1], second: parts.count > 2 ? parts[2] : 0, nanos: nanos))
                    sawTime = true
                    i = k
                    continue
                }
                pieces.append(.number(digits, separatorAfter: j < chars.count ? chars[j] : nil))
                i = j
            } else if (c == "+" || c == "-") && sawTime && i + 2 < chars.count && chars[i + 1].isNumber {
                var j = i + 1
                var digits = ""
                while j < chars.count && (chars[j].isNumber || chars[j] == ":") {
                    if chars[j] != ":" { digits.append(chars[j]) }
                    j += 1
                }
                guard digits.count == 4 || digits.count == 2, let v = Int(digits) else { return nil }
                let hours = digits.count == 4 ? v / 100 : v
                let minutes = digits.count == 4 ? v % 100 : 0
                pieces.append(.zone((c == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)))
                i = j
            } else if c.isLetter {
                var j = i
                while j < chars.count && chars[j].isLetter { j += 1 }
                let word = String(chars[i..<j]).lowercased()
                if word == "t" && sawTime == false && j < chars.count && chars[j].isNumber {
                    i = j
                    continue
                }
                if word == "z" || word == "utc" || word == "gmt" {
                    pieces.append(.zone(0))
                } else {
                    pieces.append(.word(word))
                }
                i = j
            } else {
                i += 1
            }
        }
        var year: Int?
        var month: Int?
        var day: Int?
        var time = (hour: 0, minute: 0, second: 0, nanos: 0)
        var zone = 0
        var numbers: [(String, Character?)] = []
        for piece in pieces {
            switch piece {
            case .number(let digits, let separator): numbers.append((digits, separator))
            case .word(let word):
                if word.count >= 3, let m = monthNames.firstIndex(where: { $0.lowercased().hasPrefix(word.prefix(3)) }),
                    monthNames[m].lowercased().hasPrefix(word)
                {
                    month = m + 1
                } else if dayNames.contains(where: { $0.lowercased().hasPrefix(word) }) && word.count >= 3 {
                    continue
                } else if word == "st" || word == "nd" || word == "rd" || word == "th" || word == "of" || word == "at" {
                    continue
                } else {
                    return nil
                }
            case .time(let h, let m, let s, let n): time = (h, m, s, n)
            case .zone(let z): zone = z
            }
        }
        if month != nil {
            // "March 14, 2016", "14 March 2016"
            for (digits, _) in numbers {
                guard let v = Int(digits) else { return nil }
                if digits.count >= 3 || v > 31 || day != nil {
                    year = year ?? v
                } else {
                    day = v
                }
            }
        } else if numbers.count >= 3 {
            let (a, sa) = numbers[0]
            let (b, _) = numbers[1]
            let (c, _) = numbers[2]
            guard let x = Int(a), let y = Int(b), let z = Int(c) else { return nil }
            if a.count == 4 {
                (year, month, day) = (x, y, z)
            } else if sa == "/" {
                (month, day, year) = (x, y, z)
            } else {
                (day, month, year) = (x, y, z)
            }
            if c.count <= 2 && a.count != 4 { year = z + (z >= 69 ? 1900 : 2000) }
        } else if numbers.count == 1, numbers[0].0.count == 8, let v = Int(numbers[0].0) {
            (year, month, day) = (v / 10000, v / 100 % 100, v % 100)
        } else if numbers.isEmpty, month == nil,
            pieces.contains(where: { if case .time = $0 { return true } else { return false } })
        {
            let today = DateTime.now.fields
            (year, month, day) = (today.year, today.month, today.day)
        }
        if let y = year, y < 100, let digits = numbers.first(where: { Int($0.0) == y })?.0, digits.count <= 2 {
            year = y + (y >= 69 ? 1900 : 2000)
        }
        if year == nil, month != nil, day != nil { year = DateTime.now.fields.year }
        guard let year, let month, let day, (1...12).contains(month), day >= 1, abs(year) < 1_000_000 else {
            return nil
        }
        let monthLengths = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard day <= monthLengths[month - 1], time.hour < 25, time.minute < 60, time.second < 61 else { return nil }
        let days = DateTime.days(year: year, month: month, day: day)
        let seconds = days * 86400 + time.hour * 3600 + time.minute * 60 + time.second - zone
        return DateTime(seconds: seconds, nanoseconds: time.nanos, offset: zone)
    }

    // MARK: Formatting

    /// The moment formatted with `strftime` directives (`%Y-%m-%d`, `%b %e`, `%-d`, `%^a`...).
    func format(_ pattern: String) -> String {
        let f = fields
        var result = ""
        let chars = Array(pattern)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            guard c == "%", i + 1 < chars.count else {
                result.append(c)
                i += 1
                continue
            }
            var j = i + 1
            var flags: [Character] = []
            while j < chars.count, "-_0^#:".contains(chars[j]) {
                flags.append(chars[j])
                j += 1
            }
            var width: Int?
            var widthDigits = ""
            while j < chars.count, chars[j].isASCII, chars[j].isNumber {
                widthDigits.append(chars[j])
                j += 1
            }
            if !widthDigits.isEmpty { width = min(Int(widthDigits) ?? 0, 1024) }
            guard j < chars.count else {
                result += String(chars[i...])
                break
            }
            let directive = chars[j]
            func number(_ value: Int, _ defaultWidth: Int, pad: Character = "0") -> String {
                let digits = String(abs(value))
                var padChar: Character? = pad
                if flags.contains("-") { padChar = nil }
                if flags.contains("_") { padChar = " " }
                if flags.contains("0") { padChar = "0" }
                let w = width ?? defaultWidth
                var text = digits
                if let padChar, text.count < w { text = String(repeating: padChar, count: w - text.count) + text }
                return value < 0 ? "-" + text : text
            }
            func text(_ s: String) -> String {
                var s = s
                if flags.contains("^") { s = s.uppercased() }
                if flags.contains("#") { s = s == s.uppercased() ? s.lowercased() : s.uppercased() }
                if let width, s.count < width {
                    let pad: Character = flags.contains("0") ? "0" : " "
                    s = String(repeating: pad, count: width - s.count) + s
                }
                return s
            }
            let hour12 = f.hour % 12 == 0 ? 12 : f.hour % 12
            switch directive {
            case "Y": result += number(f.year, 1)
            case "C": result += number(f.year / 100, 2)
            case "y": result += number(f.year % 100, 2)
            case "m": result += number(f.month, 2)
            case "B": result += text(DateTime.monthNames[f.month - 1])
            case "b", "h": result += text(String(DateTime.monthNames[f.month - 1].prefix(3)))
            case "d": result += number(f.day, 2)
            case "e": result += number(f.day, 2, pad: " ")
            case "j": result += number(f.yearDay, 3)
            case "H": result += number(f.hour, 2)
            case "k": result += number(f.hour, 2, pad: " ")
            case "I": result += number(hour12, 2)
            case "l": result += number(hour12, 2, pad: " ")
            case "M": result += number(f.minute, 2)
            case "S": result += number(f.second, 2)
            case "L": result += number(nanoseconds / 1_000_000, 3)
            case "N":
                let digits = width ?? 9
                let nanos = String(nanoseconds)
                let padded = String(repeating: "0", count: 9 - nanos.count) + nanos
                result +=
                    digits <= 9 ? String(padded.prefix(digits)) : padded + String(repeating: "0", count: digits - 9)
            case "p": result += text(f.hour < 12 ? "AM" : "PM")
            case "P": result += text(f.hour < 12 ? "am" : "pm")
            case "A": result += text(DateTime.dayNames[f.weekday])
            case "a": result += text(String(DateTime.dayNames[f.weekday].prefix(3)))
            case "u": result += number(f.weekday == 0 ? 7 : f.weekday, 1)
            case "w": result += number(f.weekday, 1)
            case "U": result += number((f.yearDay + 6 - f.weekday) / 7, 2)
            case "W": result += number((f.yearDay + 6 - (f.weekday + 6) % 7) / 7, 2)
            case "s": result += number(seconds, 1)
            case "z":
                let sign = offset < 0 ? "-" : "+"
                let hours = abs(offset) / 3600
                let minutes = abs(offset) % 3600 / 60
                let hh = hours < 10 ? "0\(hours)" : "\(hours)"
                let mm = minutes < 10 ? "0\(minutes)" : "\(minutes)"
                result += flags.contains(":") ? "\(sign)\(hh):\(mm)" : "\(sign)\(hh)\(mm)"
            case "Z": result += text(offset == 0 ? "UTC" : "")
            case "F": result += format("%Y-%m-%d")
            case "D", "x": result += format("%m/%d/%y")
            case "T", "X": result += format("%H:%M:%S")
            case "R": result += format("%H:%M")
            case "r": result += format("%I:%M:%S %p")
            case "c": result += format("%a %b %e %H:%M:%S %Y")
            case "v": result += format("%e-%^b-%Y")
            case "n": result += "\n"
            case "t": result += "\t"
            case "%": result += "%"
            default:
                result += String(chars[i...j])
            }
            i = j + 1
        }
        return result
    }
}
