/// The rules of a page alias (tented's `custom_page_alias`, the same as its single-tent API):
/// the path a page is published at, under `outbox/<org>/published/site/`.
///
/// - at most 100 characters;
/// - lowercase letters, digits, `-`, `_` and `.` only;
/// - starting with a letter or a digit;
/// - not a UUID (those are the generated aliases of pages without a custom one);
/// - not a reserved word (``reserved``);
/// - or `/` alone: the site's root (`site/index.html`).
public enum PageAlias {
    /// The alias of the site's root page.
    public static let root = "/"
    /// The longest alias, in characters.
    public static let maxLength = 100
    /// Words that are never aliases: paths the site itself uses (`assets` holds each page's
    /// cloned assets, beside the root page too).
    public static let reserved: Set<String> = ["admin", "api", "assets", "login", "logout", "static", "submit"]

    /// Why `alias` is not a valid alias, or `nil` when it is one. O(n).
    public static func problem(with alias: String) -> String? {
        if alias == root { return nil }
        if alias.isEmpty { return "it is empty: give a path like acme-onboarding-jane, or \"/\" for the site root" }
        if alias.unicodeScalars.count > maxLength {
            return "it has \(alias.unicodeScalars.count) characters; an alias has at most \(maxLength)"
        }
        if let bad = alias.unicodeScalars.first(where: { !isAllowed($0) }) {
            return "'\(bad)' is not allowed: use lowercase letters, digits, '-', '_' and '.' only"
                + (bad == "/" ? " (\"/\" alone publishes at the site root)" : "")
        }
        if let first = alias.unicodeScalars.first, !isAlphanumeric(first) {
            return "it must start with a letter or a digit, not '\(first)'"
        }
        if isUUID(alias) { return "it must not be a UUID (those name pages without a custom alias)" }
        if reserved.contains(alias) {
            return "'\(alias)' is a reserved word (\(reserved.sorted().joined(separator: ", "))): choose another alias"
        }
        return nil
    }

    /// Whether `text` is a UUID: 8-4-4-4-12 hexadecimal digits, either case. O(1).
    public static func isUUID(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count == 36 else { return false }
        for (i, c) in scalars.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                if c != "-" { return false }
            } else if !c.properties.isASCIIHexDigit {
                return false
            }
        }
        return true
    }

    private static func isAlphanumeric(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "0" && c <= "9")
    }

    private static func isAllowed(_ c: Unicode.Scalar) -> Bool {
        isAlphanumeric(c) || c == "-" || c == "_" || c == "."
    }
}
