import DeskKit

/// Assembles an item's prompt from its parts, in a fixed order.
///
/// The **system prompt** is the first of: the item's custom prompt, the template's `prompt.system`
/// (rendered), the campaign's system prompt, the sender's custom prompt, copydesk's default
/// (``defaultSystemPrompt``).
/// The **user message** holds, each only when present: the brand profile, the writing defaults
/// (style, tone, length, audience, examples), the input data (the item's fields), the template's
/// `prompt.user` (rendered), the instructions, then the topic or brief.
///
/// `prompt_version_hash` is the first 16 hex digits of the SHA-256 of the prompt *template*:
/// the assembly format, the resolved system prompt, the brand profile, the writing defaults and
/// the template's prompt sources (unrendered), without the item's own data. Items written the
/// same way share it; changing any prompt part above changes it.
public enum PromptAssembler {
    /// The system prompt when nothing else gives one.
    public static let defaultSystemPrompt =
        "You are a professional copywriter. Write clear, accurate, engaging copy that follows the brief exactly. Answer with the copy only, without preamble."

    /// The version of the assembly format, part of every hash: bumped when the layout changes.
    static let formatVersion = "copydesk-prompt-1"

    /// The system prompt of `item`, by the resolution chain.
    public static func systemPrompt(
        for item: WorkItem, settings: PromptSettings, template: TemplatePrompt? = nil
    ) -> String {
        for candidate in [item.customPrompt, template?.system, settings.campaignSystemPrompt, settings.senderPrompt] {
            if let text = candidate?.trimmingSpaces(), !text.isEmpty { return text }
        }
        return defaultSystemPrompt
    }

    /// The prompt of provider item `item` (written from `template`'s prompt section, when it
    /// has one), or the error it fails with (an unusable brand). O(size of the parts).
    public static func prompt(
        for item: WorkItem, context: PromptContext, post: PostRequest? = nil, template: TemplatePrompt? = nil
    ) -> Result<Prompt, DeskError> {
        let brand: JSONObject?
        switch context.brand(for: item) {
        case .success(let b): brand = b
        case .failure(let error): return .failure(error)
        }
        var defaults = JSONObject()
        for key in PromptSettings.defaultKeys {
            if let value = item.fields[key] ?? context.settings.defaults[key], !value.isNull { defaults[key] = value }
        }
        if let post {
            // A post's settings are waldium's names: they shape the writing too.
            for (ours, theirs) in [("style", "style"), ("tone", "tone"), ("length", "length"), ("audience", "targetAudience")]
            where defaults[ours] == nil {
                if let value = post.settings[theirs], !value.isNull { defaults[ours] = value }
            }
        }
        var input = JSONObject()
        for (key, value) in item.fields.members where !PromptSettings.defaultKeys.contains(key) && !value.isNull {
            if post != nil && PostRequest.settingKeys.contains(key) { continue }
            input[key] = value
        }
        let system = systemPrompt(for: item, settings: context.settings, template: template)

        var sections: [String] = []
        if let brand, !brand.isEmpty {
            sections.append("Brand:\n" + lines(brand))
        }
        if !defaults.isEmpty {
            sections.append("Writing guidelines:\n" + lines(defaults))
        }
        if !input.isEmpty {
            sections.append("Input data:\n" + lines(input))
        }
        let task = template?.user.trimmingSpaces()
        if let task, !task.isEmpty {
            sections.append("Task:\n" + task)
        }
        if let instructions = item.instructions?.trimmingSpaces(), !instructions.isEmpty {
            sections.append("Instructions:\n" + instructions)
        }
        let topic = (post?.topic ?? item.topic)?.trimmingSpaces()
        if let topic, !topic.isEmpty {
            let label = post != nil ? "Write a blog post in Markdown on this topic" : item.modality == "image" ? "Image brief" : "Topic"
            sections.append("\(label):\n" + topic)
        }

        var hashed: [UInt8] = []
        for part in [
            formatVersion, system, brand.map { JSONValue.object($0).serializedString() } ?? "",
            JSONValue.object(defaults).serializedString(), post != nil ? "post" : item.modality,
        ] + (template.map { [$0.source] } ?? []) {
            hashed += Array(part.utf8)
            hashed.append(0)
        }
        let hash = String(SHA256.hexDigest(hashed).prefix(16))

        let parts = PromptParts(
            topic: topic, instructions: item.instructions, brand: brand, defaults: defaults, input: input, post: post,
            task: task.flatMap { $0.isEmpty ? nil : $0 })
        return .success(
            Prompt(
                system: system, user: sections.joined(separator: "\n\n"), modality: item.modality, versionHash: hash,
                parts: parts))
    }

    /// `- key: value` lines; strings as written, anything else as JSON.
    static func lines(_ object: JSONObject) -> String {
        object.members.map { key, value in "- \(key): \(value.stringValue ?? value.serializedString())" }
            .joined(separator: "\n")
    }
}
