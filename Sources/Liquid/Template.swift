/// A parsed Liquid template: parse once, render many times, from any thread.
///
/// ```swift
/// let template = try Template.parse("Hello, {{ name | capitalize }}!", name: "greeting")
/// let text = try template.render(["name": "ada"])   // "Hello, Ada!"
/// ```
public struct Template: Sendable {
    /// The template's name, used in error messages.
    public let name: String?
    /// The parsed template.
    let nodes: [Node]
    /// The size of the source in bytes, a guess at the size of the output.
    let sourceSize: Int

    /// Parses `source`; `name` identifies the template in error messages.
    public static func parse(
        _ source: String, name: String? = nil, options: ParseOptions = ParseOptions()
    )
        throws(LiquidError) -> Template
    {
        let parser = Parser(source: source, name: name, options: options)
        return Template(name: name, nodes: try parser.parseDocument(), sourceSize: source.utf8.count)
    }

    /// Renders the template with `variables` as its global variables.
    public func render(
        _ variables: ValueObject, options: RenderOptions = RenderOptions()
    ) throws(LiquidError)
        -> String
    {
        let renderer = Renderer(variables: variables, options: options, templateName: name)
        renderer.output.reserveCapacity(sourceSize + sourceSize / 2)
        try renderer.render(nodes)
        // Plain text is appended unchecked; a template whose own text is too long ends here.
        if renderer.output.utf8.count > options.maxOutputBytes { throw renderer.outputLimitExceeded() }
        return renderer.output
    }
}
