/// Turns text into a self-contained HTML page: a provider's answer for a template whose output
/// is `html`, or a tented page made of text or copy variables.
///
/// Text that already is an HTML document (it starts with `<!doctype` or `<html`, ignoring case
/// and leading spaces) is kept as it is. Anything else is read as simple Markdown: `#` headings,
/// `-`/`*` list items and blank-line separated paragraphs; every character is escaped, so the
/// text cannot inject markup. O(length of the text).
public enum HTMLPage {
    /// The page for `text`, titled `title` (else its first heading or line).
    public static func document(from text: String, title given: String? = nil) -> String {
        let trimmed = text.drop(while: { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }).lowercased()
        if trimmed.hasPrefix("<!doctype") || trimmed.hasPrefix("<html") { return text }
        var body = ""
        var paragraph: [String] = []
        var inList = false
        var title: String? = given
        func flushParagraph() {
            guard !paragraph.isEmpty else { return }
            body += "<p>" + paragraph.map(escape).joined(separator: "<br>\n") + "</p>\n"
            paragraph = []
        }
        func closeList() {
            if inList { body += "</ul>\n" }
            inList = false
        }
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
            let stripped = line.drop(while: { $0 == " " })
            if stripped.isEmpty {
                flushParagraph()
                closeList()
                continue
            }
            let hashes = stripped.prefix(while: { $0 == "#" }).count
            if (1...6).contains(hashes), stripped.dropFirst(hashes).first == " " {
                flushParagraph()
                closeList()
                let heading = String(stripped.dropFirst(hashes + 1))
                if title == nil { title = heading }
                body += "<h\(hashes)>\(escape(heading))</h\(hashes)>\n"
            } else if stripped.hasPrefix("- ") || stripped.hasPrefix("* ") {
                flushParagraph()
                if !inList { body += "<ul>\n" }
                inList = true
                body += "<li>\(escape(String(stripped.dropFirst(2))))</li>\n"
            } else {
                closeList()
                if title == nil { title = String(stripped) }
                paragraph.append(String(stripped))
            }
        }
        flushParagraph()
        closeList()
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(String((title ?? "Page").prefix(120))))</title>
            <style>body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;line-height:1.5}</style>
            </head>
            <body>
            <main>
            \(body)</main>
            </body>
            </html>

            """
    }

    /// `text` with `& < > " '` escaped for HTML text and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
