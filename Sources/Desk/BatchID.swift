import DeskKit

/// Makes batch ids: the request file's stem, made safe, plus a short hash of its bytes.
///
/// `leads 2026/11.json` with SHA-256 `7f3a9c1e…` becomes `leads-2026-11-7f3a9c1e`. The same bytes
/// under the same name always give the same id, which is what lets a restart find the batch it
/// was working on.
public enum BatchID {
    /// The id for a file named `name` whose SHA-256 is `hexDigest`.
    public static func make(name: String, hexDigest: String) -> String {
        var stem = ""
        var lastWasDash = false
        for c in Path.stem(name).unicodeScalars {
            let ok = (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_" || c == "."
            if ok {
                stem.unicodeScalars.append(c)
                lastWasDash = false
            } else if !lastWasDash {
                stem.append("-")
                lastWasDash = true
            }
            if stem.utf8.count >= 64 { break }
        }
        while stem.hasPrefix(".") || stem.hasPrefix("-") { stem.removeFirst() }
        while stem.hasSuffix("-") { stem.removeLast() }
        if stem.isEmpty { stem = "batch" }
        return stem + "-" + hexDigest.prefix(8)
    }
}
