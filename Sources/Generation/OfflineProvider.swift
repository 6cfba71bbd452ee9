import DeskKit

/// The built-in provider: writes from the prompt's parts with fixed phrases, offline and
/// deterministically (the same prompt always gives the same text), so a desk works with no
/// network and no model. Everything it writes says `provider: offline`.
///
/// A prompt item becomes a structured draft (``draft(_:)``): the topic as a title, then the
/// brief's parts (audience, tone, brand, input data, instructions) as labelled sections. A blog
/// post (waldium) becomes a whole post (``writePost(_:)``).
///
/// The settings shape the post: `length` (`short` 2 sections, `medium` 3, `long` 5), `style`
/// (`professional`, `casual`, `technical`) and `tone` (`informative`, `conversational`, `formal`)
/// choose the phrasing, `includeExamples` adds an examples section, `targetAudience` is addressed
/// in the introduction. `model`, `useKnowledge` and `selectedFileIds` need a real model: the
/// requested model is recorded as `requested_model`, the others are ignored. O(length of the post).
public struct OfflineProvider: ContentProvider {
    /// The name outputs carry.
    public let name: String

    /// An offline provider called `name`.
    public init(name: String = "offline") {
        self.name = name
    }

    public var modalities: [String] { ["text"] }

    /// The model name offline outputs report.
    public static let model = "offline-draft-1"

    /// Writes the draft or post `prompt` asks for. Token counts are words (no tokenizer).
    /// O(length of the prompt).
    public func generate(_ prompt: Prompt) async throws(DeskError) -> ProviderOutput {
        let text: String
        if let post = prompt.parts.post {
            text = try writePost(post).markdown
        } else {
            text = try draft(prompt)
        }
        return ProviderOutput(
            text: text, provider: name, model: Self.model, promptTokens: Self.words(prompt.system) + Self.words(prompt.user),
            completionTokens: Self.words(text), latencySeconds: 0)
    }

    /// A structured Markdown draft from the prompt's parts.
    public func draft(_ prompt: Prompt) throws(DeskError) -> String {
        let parts = prompt.parts
        // A template's prompt section may stand in for the topic: its first line is the title.
        let task = parts.task?.trimmingSpaces()
        let firstLine = task.flatMap { $0.split(separator: "\n").first.map { String($0.prefix(80)).trimmingSpaces() } }
        guard let topic = parts.topic?.trimmingSpaces() ?? firstLine, !topic.isEmpty else {
            throw DeskError(.invalidItem, "the item has no topic or brief to write from", field: "topic")
        }
        func setting(_ key: String) -> String? {
            guard let value = parts.defaults[key], !value.isNull else { return nil }
            return value.stringValue ?? value.serializedString()
        }
        let voice = Self.voice(style: setting("style"), tone: setting("tone"))
        var out = "# \(Self.titleCase(topic))\n\n"
        out += voice.opening.replacing("{topic}", with: Self.inSentence(topic))
        if let audience = setting("audience") { out += " " + voice.audience.replacing("{audience}", with: audience) }
        out += "\n"
        if let brand = parts.brand, !brand.isEmpty {
            out += "\n## Brand\n\n"
            for (key, value) in brand.members where !value.isNull {
                out += "- \(key): \(value.stringValue ?? value.serializedString())\n"
            }
        }
        let shape = PromptSettings.defaultKeys.compactMap { key in setting(key).map { "- \(key): \($0)" } }
        if !shape.isEmpty { out += "\n## Brief\n\n" + shape.joined(separator: "\n") + "\n" }
        if !parts.input.isEmpty {
            out += "\n## Details\n\n"
            for (key, value) in parts.input.members where !value.isNull {
                out += "- \(key): \(value.stringValue ?? value.serializedString())\n"
            }
        }
        if let task, !task.isEmpty {
            out += "\n## Task\n\n\(task)\n"
        }
        if let instructions = parts.instructions?.trimmingSpaces(), !instructions.isEmpty {
            out += "\n## Instructions followed\n\n\(instructions)\n"
        }
        let sections = setting("length")?.lowercased() == "short" ? 1 : 2
        out += "\n## Draft\n\n"
        out += (1...sections).map {
            voice.sections[$0].replacing("{topic}", with: Self.inSentence(topic)).replacing("{Topic}", with: topic)
        }.joined(separator: " ")
        out += "\n\n" + voice.closing.replacing("{topic}", with: Self.inSentence(topic)) + "\n"
        return out
    }

    /// Whitespace-separated words in `text`.
    static func words(_ text: String) -> Int {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).count
    }

    public func writePost(_ request: PostRequest) throws(DeskError) -> WrittenPost {
        let topic = request.topic.trimmingSpaces()
        guard !topic.isEmpty else {
            throw DeskError(.invalidItem, "the post has an empty topic", field: "topic")
        }
        let title = Self.titleCase(topic)
        let subject = Self.inSentence(topic)
        let sections: Int
        switch request.text("length")?.lowercased() {
        case "short": sections = 2
        case "long": sections = 5
        default: sections = 3
        }
        let voice = Self.voice(style: request.text("style"), tone: request.text("tone"))
        let audience = request.text("targetAudience")
        var body = "# \(title)\n\n"
        body += voice.opening.replacing("{topic}", with: subject)
        if let audience { body += " " + voice.audience.replacing("{audience}", with: audience) }
        body += "\n"
        let headings = ["Why it matters", "The core ideas", "Getting started", "Common pitfalls", "Where to go next"]
        for index in 0..<sections {
            body += "\n## \(headings[index])\n\n"
            body += voice.sections[index].replacing("{topic}", with: subject).replacing("{Topic}", with: topic) + "\n"
        }
        if request.flag("includeExamples") == true {
            body += "\n## Examples\n\n"
            body += "- A first, small project that applies \(subject) end to end.\n"
            body += "- A before-and-after comparison showing what \(subject) changes.\n"
        }
        body += "\n" + voice.closing.replacing("{topic}", with: subject) + "\n"
        let markdown = request.frontMatter(title: title, provider: name) + "\n" + body
        return WrittenPost(title: title, markdown: markdown, provider: name)
    }

    /// Words a title leaves in lower case unless they come first.
    static let minorWords: Set<String> = [
        "a", "an", "and", "as", "at", "but", "by", "for", "in", "of", "on", "or", "the", "to", "vs", "with",
    ]

    /// Capitalises the first letter of each word but the minor ones, leaving the rest as written
    /// (`introduction to AI ethics` → `Introduction to AI Ethics`).
    static func titleCase(_ text: String) -> String {
        text.split(separator: " ", omittingEmptySubsequences: false).enumerated().map { position, word in
            if position > 0 && minorWords.contains(word.lowercased()) { return String(word) }
            return word.prefix(1).uppercased() + word.dropFirst()
        }.joined(separator: " ")
    }

    /// The topic as it reads inside a sentence: a capital first letter is lowered unless the
    /// word is an acronym (`Introduction to X` → `introduction to X`, `AI ethics` stays).
    static func inSentence(_ topic: String) -> String {
        let chars = Array(topic)
        guard let first = chars.first, first.isUppercase else { return topic }
        if chars.count > 1 && (chars[1].isUppercase || chars[1].isNumber) { return topic }
        return first.lowercased() + String(chars.dropFirst())
    }

    struct Voice {
        var opening: String
        var audience: String
        var sections: [String]
        var closing: String
    }

    static func voice(style: String?, tone: String?) -> Voice {
        let casual = style?.lowercased() == "casual" || tone?.lowercased() == "conversational"
        let technical = style?.lowercased() == "technical"
        let formal = tone?.lowercased() == "formal"
        if casual {
            return Voice(
                opening:
                    "Let's talk about {topic}. It sounds bigger than it is, and it's worth a few minutes of your time.",
                audience: "This one is written with {audience} in mind.",
                sections: [
                    "Here's the thing: {topic} shows up in more places than you'd think, and knowing the basics saves you time.",
                    "You don't need to know everything. A handful of ideas about {topic} carry most of the weight.",
                    "Start small. Pick one thing about {topic} you can try this week and see how it goes.",
                    "Most people trip over the same few things with {topic}: going too fast, and skipping the basics.",
                    "Once the basics click, there's plenty more to explore about {topic}.",
                ],
                closing: "That's it for now: give {topic} a try and see what you learn.")
        }
        if technical {
            return Voice(
                opening: "This post covers {topic}: the concepts, how they fit together, and how to apply them.",
                audience: "It assumes the background of {audience}.",
                sections: [
                    "{Topic} addresses a concrete problem; understanding its constraints explains most design decisions around it.",
                    "The core of {topic} is a small set of concepts with precise definitions; the rest builds on them.",
                    "A minimal working setup for {topic} is the fastest way to check your understanding against reality.",
                    "Typical failure modes with {topic} come from unstated assumptions; make them explicit and test them.",
                    "Further work on {topic} usually means measuring, then refining the parts that matter.",
                ],
                closing: "In short: learn the concepts of {topic}, build something small, and measure.")
        }
        if formal {
            return Voice(
                opening: "This article examines {topic} and its significance.",
                audience: "It is addressed to {audience}.",
                sections: [
                    "The importance of {topic} lies in its broad and growing range of applications.",
                    "Several principles underpin {topic}; each is considered in turn.",
                    "Adopting {topic} is best approached in measured, well-documented steps.",
                    "Certain pitfalls recur in the adoption of {topic}; they may be avoided with care.",
                    "Further study of {topic} is recommended to those seeking a deeper understanding.",
                ],
                closing: "In conclusion, {topic} merits careful attention.")
        }
        return Voice(
            opening: "This post is about {topic}: what it is, why it matters and how to begin.",
            audience: "It is written for {audience}.",
            sections: [
                "{Topic} matters because it changes how work gets done, and the change is already under way.",
                "A few key ideas explain most of {topic}; once they are clear, the details follow.",
                "The best way to start with {topic} is a small, concrete step you can finish and review.",
                "The usual pitfalls with {topic} are trying to do too much at once and skipping the fundamentals.",
                "After the first steps, go deeper into the parts of {topic} that matter most to you.",
            ],
            closing: "To sum up: {topic} is worth learning, and the first step is a small one.")
    }
}
