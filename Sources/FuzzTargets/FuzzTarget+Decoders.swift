import DeskKit
import Dialects
import Generation
import Validation

extension FuzzTarget {
    /// The JSON parser on `input` as one document and as JSON Lines. A parsed document must
    /// serialise to text that parses back to the same serialisation (a fixed point).
    static func runJSON(_ input: [UInt8]) {
        if let value = try? JSONValue.parse(input) {
            let text = value.serialized()
            do throws(JSONParseError) {
                let again = try JSONValue.parse(text)
                precondition(again.serialized() == text, "a serialised document does not parse back to itself")
            } catch {
                preconditionFailure("a serialised document does not parse: \(error.message)")
            }
        }
        for (_, result) in JSONValue.parseLines(input) { _ = try? result.get() }
    }

    /// The dialect's decoder on `input` as a request (whatever ``RequestFormat/detect(_:)``
    /// says), then the validator and the format detection.
    func runRequest(_ input: [UInt8]) {
        guard let document = try? JSONValue.parse(input) else { return }
        _ = RequestFormat.detect(document)
        let context = DecodeContext(
            batchID: "fuzz-0123abcd", org: "default", fileName: "spring.bavlio.json",
            library: self == .bavlio ? FuzzLibrary.shared.library : nil)
        guard let dialect = RequestFormat.dialect(named: rawValue) else { return }
        guard let request = try? dialect.decode(document, context: context) else { return }
        _ = try? Validator(maxItems: 100_000).validate(request)
    }

    /// The CSV reader on `input` written to a temporary file, every row read.
    static func runCSV(_ input: [UInt8]) {
        FuzzLibrary.shared.withTemporaryFile(input) { path in
            guard var reader = try? CSVReader(path: path) else { return }
            defer { reader.close() }
            var rows = 0
            while rows < 1_000_000, let row = try? reader.next() {
                rows += 1
                precondition(row.line >= 1, "a row starts before line 1")
            }
        }
    }

    /// Each line (or array element) of `input` decoded as an event, and the whole input counted
    /// by an in-memory bandit store.
    static func runEvents(_ input: [UInt8]) {
        for (_, result) in JSONValue.parseLines(input) {
            if let value = try? result.get() { _ = try? BanditEvent.decode(value) }
        }
        let store = BanditStore(layout: nil)
        let now = Timestamp(nanoseconds: 1_795_424_400 * 1_000_000_000)
        _ = try? store.ingest(input, digest: "fuzz", org: "default", templates: nil, now: now)
    }
}
