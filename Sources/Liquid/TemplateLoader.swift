/// Where `include` and `render` find partials.
///
/// Implement `source(named:)`; the loaders of this module also cache parsed partials, and a
/// custom loader can do the same with a `TemplateCache` (keyed by path and file version).
public protocol TemplateLoader: Sendable {
    /// The source of the partial `name`, or nil if there is none.
    func source(named name: String) throws(LiquidError) -> String?

    /// The parsed partial `name`, or nil if there is none. The default parses `source(named:)`.
    func template(named name: String, options: ParseOptions) throws(LiquidError) -> Template?
}

/// The default parsing of partials.
extension TemplateLoader {
    /// Parses `source(named:)` (no caching).
    public func template(named name: String, options: ParseOptions) throws(LiquidError) -> Template? {
        guard let source = try source(named: name) else { return nil }
        return try Template.parse(source, name: name, options: options)
    }
}
