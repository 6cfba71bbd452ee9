/// One route of `copydesk.json`: a glob over the inbox that turns a bare CSV or JSONL export into
/// a batch, with the native request body (without items) that its rows are laid into.
///
/// A pattern is `NAME_GLOB` for files directly in `inbox/` (org `default`) or `ORG/NAME_GLOB` for
/// files in `inbox/ORG/`. The org is a literal folder name, never a wildcard, so a file has one
/// route at most per org and a route never reaches another org's folder. In `NAME_GLOB`, `*`
/// matches any run of characters and `?` one character, neither crossing `/`; the glob must end in
/// `.csv` or `.jsonl`, so a route never takes a `.json` request.
public struct Route: Sendable, Equatable {
    /// The pattern as written in `copydesk.json` (`crm/*.csv`).
    public var pattern: String
    /// The org whose inbox folder the route watches.
    public var org: String
    /// The glob over file names in that folder (`*.csv`).
    public var nameGlob: String
    /// The native request body the rows are laid into: `template_id`, `defaults`, `schedule`, …
    public var body: JSONObject
    /// Whether `X.csv` is taken only once `X.csv.done` exists (exporters writing in place).
    public var doneMarker: Bool

    /// The suffix of a done-marker file.
    public static let doneSuffix = ".done"

    /// A route.
    public init(pattern: String, org: String, nameGlob: String, body: JSONObject, doneMarker: Bool) {
        self.pattern = pattern
        self.org = org
        self.nameGlob = nameGlob
        self.body = body
        self.doneMarker = doneMarker
    }

    /// Whether the file `name` of `org`'s inbox folder is this route's. O(n·m) worst case in the
    /// lengths of name and glob (iterative glob matching with one backtrack point).
    public func matches(org: String, name: String) -> Bool {
        org == self.org && Self.glob(nameGlob, matches: name)
    }

    /// Whether `name` matches `glob` (`*` any run, `?` one character, neither matching `/`).
    public static func glob(_ glob: String, matches name: String) -> Bool {
        let p = Array(glob.unicodeScalars)
        let s = Array(name.unicodeScalars)
        var i = 0
        var j = 0
        var star = -1
        var mark = 0
        while j < s.count {
            if i < p.count && (p[i] == "?" && s[j] != "/" || p[i] != "*" && p[i] != "?" && p[i] == s[j]) {
                i += 1
                j += 1
            } else if i < p.count && p[i] == "*" {
                star = i
                mark = j
                i += 1
            } else if star >= 0 && s[mark] != "/" {
                mark += 1
                j = mark
                i = star + 1
            } else {
                return false
            }
        }
        while i < p.count && p[i] == "*" { i += 1 }
        return i == p.count
    }
}
