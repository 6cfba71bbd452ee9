/// `{% capture name %}body{% endcapture %}`.
final class CaptureNode: Sendable {
    /// The variable assigned.
    let name: String
    /// What to render into it.
    let body: [Node]

    init(name: String, body: [Node]) {
        self.name = name
        self.body = body
    }
}
