import DeskKit

/// What a provider is asked to write: a blog post from a topic and its settings.
public struct PostRequest: Sendable, Equatable {
    /// The post's topic, as the request gave it.
    public var topic: String
    /// The post settings (waldium's names): `authorId`, `category`, `tags`, `isDraft`, `style`,
    /// `length`, `tone`, `includeExamples`, `targetAudience`, `useKnowledge`, `selectedFileIds`,
    /// `model`.
    public var settings: JSONObject
    /// The instant the post is dated (its publication instant).
    public var date: Timestamp

    /// A request for a post on `topic`.
    public init(topic: String, settings: JSONObject = JSONObject(), date: Timestamp) {
        self.topic = topic
        self.settings = settings
        self.date = date
    }
}

/// A post written: its title and the whole Markdown file, front matter included.
public struct WrittenPost: Sendable, Equatable {
    /// The title (also in the front matter).
    public var title: String
    /// The file: `---` front matter (title, author, category, tags, date, draft, provider) `---`,
    /// then the body.
    public var markdown: String
    /// The provider that wrote it (`offline`).
    public var provider: String

    /// A post.
    public init(title: String, markdown: String, provider: String) {
        self.title = title
        self.markdown = markdown
        self.provider = provider
    }
}

extension PostRequest {
    /// The names of the post settings (waldium's), kept out of a prompt's input data.
    public static let settingKeys: Set<String> = [
        "authorId", "category", "tags", "isDraft", "style", "length", "tone", "includeExamples", "targetAudience",
        "useKnowledge", "selectedFileIds", "model",
    ]

    /// A string setting, or `nil`.
    public func text(_ key: String) -> String? {
        guard let s = settings[key]?.stringValue?.trimmingSpaces(), !s.isEmpty else { return nil }
        return s
    }

    /// A boolean setting, or `nil`.
    public func flag(_ key: String) -> Bool? { settings[key]?.boolValue }

    /// A list of strings setting (empty when absent).
    public func list(_ key: String) -> [String] {
        (settings[key]?.arrayValue ?? []).compactMap { $0.stringValue }
    }

    /// The YAML front matter every provider writes, between `---` lines, ending with a newline.
    ///
    /// Strings are double-quoted JSON strings, which YAML reads as the same strings.
    public func frontMatter(title: String, provider: String) -> String {
        func quoted(_ s: String) -> String { JSONValue.string(s).serializedString() }
        var lines = ["---", "title: \(quoted(title))", "author: \(quoted(text("authorId") ?? "copydesk"))"]
        if let category = text("category") { lines.append("category: \(quoted(category))") }
        lines.append("tags: [" + list("tags").map(quoted).joined(separator: ", ") + "]")
        lines.append("date: \(date.iso8601Seconds)")
        lines.append("draft: \(flag("isDraft") ?? false)")
        lines.append("provider: \(provider)")
        if let model = text("model") { lines.append("requested_model: \(quoted(model))") }
        lines.append("---")
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
