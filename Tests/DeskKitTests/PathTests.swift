import DeskKit
import Testing

/// The id rule and the component rule, against names that try to leave their folder.
struct PathTests {
    static let escaping = [
        "", ".", "..", "../x", "a/b", "/etc/passwd", ".hidden", "a\u{0}b", "a\\b", "a\nb",
        "\u{FF0E}\u{FF0E}\u{FF0F}x", "\u{2215}etc\u{2215}passwd", "x\u{2044}y", "\u{FF0E}\u{FF0E}", "a\u{202E}b",
        String(repeating: "x", count: 129),
    ]

    @Test(arguments: escaping)
    func noEscapingNameIsAnIDOrAComponent(_ name: String) {
        #expect(!Path.isSafeID(name))
        #expect(!Path.isSafeComponent(name))
    }

    @Test(arguments: ["a", "welcome-email", "leads_2026.v2", String(repeating: "x", count: 128)])
    func ordinaryIDsPass(_ id: String) {
        #expect(Path.isSafeID(id))
        #expect(Path.isSafeComponent(id))
    }

    @Test func aComponentMayHoldSpacesAndLettersButAnIDMayNot() {
        for name in ["spring leads.csv", "Café.csv", "leads (1).csv"] {
            #expect(Path.isSafeComponent(name))
            #expect(!Path.isSafeID(name))
        }
        #expect(!Path.isSafeID("org-with-a-long-name-" + String(repeating: "x", count: 50), maxBytes: 64))
    }
}
