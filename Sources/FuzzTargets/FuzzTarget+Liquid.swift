import Liquid

extension FuzzTarget {
    /// Partials the fuzzed templates may include or render, one of them recursive.
    static let partials = InMemoryLoader([
        "p": "{{ x }}{% include 'p' %}", "row": "<li>{{ row.name | upcase }}</li>", "empty": "",
    ])

    /// Variables the fuzzed templates see.
    static let variables: ValueObject = [
        "x": [1, 2, 3], "y": ["z": "w"], "name": "Ada", "n": .int(Int.max), "m": .int(Int.min), "f": 2.5,
        "rows": [["name": "a"], ["name": "b"]], "s": "é<a>&\"'", "t": true, "nothing": .nil,
    ]

    /// The Liquid parser on `input` (the first byte picks lax or strict mode), then a render
    /// bounded in loop iterations, output size and time.
    static func runLiquid(_ input: [UInt8]) {
        guard let first = input.first else { return }
        let strict = first & 1 == 1
        let source = String(decoding: input.dropFirst(), as: UTF8.self)
        guard let template = try? Template.parse(source, name: "fuzz", options: ParseOptions(strict: strict)) else {
            return
        }
        let options = RenderOptions(
            strict: strict, loader: partials, maxLoopIterations: 10_000, maxOutputBytes: 1 << 16,
            maxRenderTime: .milliseconds(500), maxIncludeDepth: 16)
        if let output = try? template.render(variables, options: options) {
            precondition(output.utf8.count <= options.maxOutputBytes + 4096, "a render went past its output limit")
        }
    }
}
