/// A running `for`, `tablerow` or `render ... for` loop, as `forloop` / `tablerowloop` show it.
final class LoopState {
    /// The loop's name (`variable-collection`).
    let name: String
    /// The number of items visited.
    let length: Int
    /// The enclosing `for` loop (`forloop.parentloop`).
    let parent: LoopState?
    /// `tablerow` only: the number of columns; 0 for other loops.
    let columns: Int
    /// The variable the loop is seen through (`forloop` or `tablerowloop`).
    let variable: String
    /// Whether the loop is a `render ... for`, which is nobody's `parentloop`.
    let isPartialLoop: Bool
    /// The index of the item at hand, from 0.
    var index0 = 0

    init(name: String, length: Int, parent: LoopState?, columns: Int = 0, isPartialLoop: Bool = false) {
        self.isPartialLoop = isPartialLoop
        self.name = name
        self.length = length
        self.parent = parent
        self.columns = columns
        self.variable = columns > 0 ? "tablerowloop" : "forloop"
    }

    /// The property `key` (`index`, `first`, `parentloop`...), or nil if there is none.
    func member(_ key: String) -> Renderer.Cursor? {
        switch key {
        case "index": return .value(.int(index0 + 1))
        case "index0": return .value(.int(index0))
        case "rindex": return .value(.int(length - index0))
        case "rindex0": return .value(.int(length - index0 - 1))
        case "first": return .value(.bool(index0 == 0))
        case "last": return .value(.bool(index0 == length - 1))
        case "length": return .value(.int(length))
        default: break
        }
        if columns > 0 {
            let column0 = index0 % columns
            switch key {
            case "col": return .value(.int(column0 + 1))
            case "col0": return .value(.int(column0))
            case "col_first": return .value(.bool(column0 == 0))
            case "col_last": return .value(.bool(column0 + 1 == columns))
            case "row": return .value(.int(index0 / columns + 1))
            default: return nil
            }
        }
        switch key {
        case "name": return .value(.string(name))
        case "parentloop":
            guard let parent else { return .value(.nil) }
            return .loop(parent)
        default: return nil
        }
    }

    /// The loop as an object value (when a template uses `forloop` whole).
    var objectValue: Value {
        var object = ValueObject()
        let keys =
            columns > 0
            ? [
                "col", "col0", "col_first", "col_last", "first", "index", "index0", "last", "length", "rindex",
                "rindex0", "row",
            ]
            : ["first", "index", "index0", "last", "length", "name", "rindex", "rindex0", "parentloop"]
        for key in keys {
            switch member(key) {
            case .value(let v)?: object[key] = v
            case .loop(let loop)?: object[key] = loop.objectValue
            default: break
            }
        }
        return .object(object)
    }
}
