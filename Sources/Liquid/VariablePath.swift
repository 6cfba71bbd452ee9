/// A variable reference such as `a.b[0]["c"]`, resolved segment by segment at render time.
final class VariablePath: Sendable {
    /// Where a path starts.
    enum Root: Sendable {
        /// A name (`product`).
        case name(String)
        /// A name computed at render time (`[key]`).
        case dynamic(Expression)
    }

    /// One step along a path.
    enum Segment: Sendable {
        /// A property (`.title`, `["title"]`).
        case key(String)
        /// An array index (`[0]`, `[-1]`).
        case index(Int)
        /// A property or index computed at render time (`[i]`).
        case dynamic(Expression)
    }

    /// Where the path starts.
    let root: Root
    /// The steps after the root.
    let segments: [Segment]
    /// The path as written, for error messages.
    let source: String
    /// Where the path is in the source.
    let location: SourceLocation

    /// A path from `root` through `segments`, written as `source` at `location`.
    init(root: Root, segments: [Segment], source: String, location: SourceLocation) {
        self.root = root
        self.segments = segments
        self.source = source
        self.location = location
    }
}
