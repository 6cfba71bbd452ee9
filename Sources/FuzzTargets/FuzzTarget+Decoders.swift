import DeskKit
import Dialects
import Generation
import Scheduling
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
        guard let decoded = try? dialect.decode(document, context: context),
            let request = try? Validator(maxItems: 100_000).validate(decoded)
        else { return }
        encode(request, with: dialect)
    }

    /// Every answer `dialect` writes for `request` (admission, result, cancellation, status), with
    /// the request's due times, as if each item it admitted had been generated.
    private func encode(_ request: BatchRequest, with dialect: any RequestDialect) {
        let now = Timestamp(nanoseconds: 1_795_424_400 * 1_000_000_000)
        let dueTimes = request.schedule.dueTimes(count: request.items.count, now: now)
        let outcomes = request.items.map { item in
            item.rejection.map { ItemOutcome(index: item.index, id: item.id, state: .rejected, error: $0) }
                ?? ItemOutcome(
                    index: item.index, id: item.id, state: .generated, templateID: item.templateID, copyID: item.copyID,
                    trackingID: item.trackingID, content: item.fields, format: "markdown")
        }
        let result = BatchResult(
            batchID: "fuzz-0123abcd", org: "default", status: .completed, request: request, outcomes: outcomes,
            completedAt: now, dueTimes: dueTimes, warnings: request.schedule.warnings(now: now))
        _ = dialect.encodeAdmission(result)?.serialized()
        _ = dialect.encodeResult(result).serialized()
        _ = dialect.encodeCancellation(
            BatchCancellation(
                batchID: "fuzz-0123abcd", org: "default", cancelled: outcomes.count, published: 0,
                alreadyFinished: false,
                at: now))
        var status = JSONObject()
        status["batch_id"] = .string("fuzz-0123abcd")
        status["status"] = .string(BatchState.completed.rawValue)
        status["items"] = .array(outcomes.map(\.json))
        _ = JSONValue.object(dialect.statusDocument(status)).serialized()
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
