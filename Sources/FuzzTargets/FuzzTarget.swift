/// One fuzz target: a decoder or parser of hostile input, fed one input at a time.
///
/// Each target's ``run(_:)`` must return normally whatever the bytes are: every problem with the
/// input is an error value that the code under test returns or throws and the target swallows.
/// A crash, a failed precondition, a sanitizer report or an input that takes longer than a second
/// is a bug in the code under test. The fuzz executable (`Scripts/fuzz`) and the regression tests
/// (`Tests/FuzzRegressionTests`) call the same functions.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// The JSON parser (documents and JSON Lines) and a serialise/parse round trip.
    case json
    /// The native request decoder and the validator.
    case native
    /// The justwords dialect's decoder.
    case justwords
    /// The waldium dialect's decoder (with its schedule).
    case waldium
    /// The lamina dialect's decoder.
    case lamina
    /// The bavlio dialect's decoder, against a fixed small library with one campaign.
    case bavlio
    /// The CSV reader, over a temporary file holding the input.
    case csv
    /// The events decoder: JSON Lines or an array of events, counted by an in-memory store.
    case events
    /// The Liquid parser, lax and strict, and a bounded render.
    case liquid

    /// The longest input worth trying (`-max_len`): long enough for a request with a few items
    /// or a template with nested tags, short enough to keep executions fast.
    public var maxLength: Int {
        switch self {
        case .json, .csv, .events: 16 * 1024
        case .liquid: 4 * 1024
        default: 8 * 1024
        }
    }

    /// Feeds `input` to the target. Returns normally for every input.
    public func run(_ input: [UInt8]) {
        switch self {
        case .json: Self.runJSON(input)
        case .native, .justwords, .waldium, .lamina, .bavlio: runRequest(input)
        case .csv: Self.runCSV(input)
        case .events: Self.runEvents(input)
        case .liquid: Self.runLiquid(input)
        }
    }
}
