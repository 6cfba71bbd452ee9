import DeskKit
import Scheduling
import Testing

/// A page is produced from whatever a generator returns: a template's `html` as it is, or text
/// (a provider's, or Markdown-ish) escaped into a minimal self-contained document.
struct PagePublisherTests {
    @Test func anHTMLContentIsThePageItself() {
        let page = "<!DOCTYPE html><html><body>Hi</body></html>"
        #expect(PagePublisher.html(from: JSONObject([("html", .string(page))]), title: "t") == page)
    }

    @Test func textIsEscapedIntoAMinimalDocument() {
        let text = "# Welcome <Jane>\n\nYour kickoff is at 9 PM & \"on time\".\nSee you.\n\n## Next"
        let page = PagePublisher.html(from: JSONObject([("text", .string(text)), ("provider", "offline")]), title: "A & B")
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.contains("<title>A &amp; B</title>"))
        #expect(page.contains("<h1>Welcome &lt;Jane&gt;</h1>"))
        #expect(page.contains("<p>Your kickoff is at 9 PM &amp; &quot;on time&quot;.<br>\nSee you.</p>"))
        #expect(page.contains("<h2>Next</h2>"))
        #expect(!page.contains("offline"))
        #expect(!page.contains("<script") && !page.contains("http"))
    }

    @Test func copyWithoutAnHTMLVariableShowsEveryVariable() {
        let page = PagePublisher.html(
            from: JSONObject([("subject", "Hello <b>"), ("body", "Line")]), title: "Page")
        #expect(page.contains("<p>Hello &lt;b&gt;</p>\n<p>Line</p>"))
    }

    @Test(arguments: [
        ("acme", "https://pages.example.com", "https://pages.example.com/acme"),
        ("/", "https://pages.example.com", "https://pages.example.com/"),
    ])
    func urlsJoinTheBaseAndTheAlias(alias: String, base: String, url: String) {
        #expect(PagePublisher.url(baseURL: base, alias: alias) == url)
        #expect(PagePublisher.url(baseURL: nil, alias: alias) == nil)
    }
}
