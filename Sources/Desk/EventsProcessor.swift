import DeskKit
import Generation
import Intake

/// Takes a claimed events file (`*.events.jsonl`, or `*.events.json`) to the end: counts its good
/// events into the bandit statistics exactly once, writes its result, archives it.
///
/// - The result, `outbox/<org>/<id>.result.json` (`day-1.events.jsonl` → `day-1-events-7f3a9c1e`), says how many events were counted and lists
///   every bad line with its line number, code and message; the good lines count regardless.
/// - A file with no good line at all is rejected as a whole to `rejected/<org>/`, its
///   `.error.json` listing the bad lines.
/// - The same bytes dropped again count nothing (the dedup index and the counters remember the
///   file's SHA-256) and are archived as a duplicate.
///
/// Every step can be repeated after a crash: counting is idempotent per file digest, the result
/// is written only if absent, and archiving is the last step. Runs on a blocking thread.
struct EventsProcessor: Sendable {
    let layout: DeskLayout
    let configuration: DeskConfiguration
    let store: BanditStore
    let templates: TemplateStore
    let rejections: RejectionWriter
    let clock: any DeskClock

    /// Whether `name` is an events file: `*.events.jsonl` or `*.events.json` (any case).
    static func isEventsFile(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.hasSuffix(".events.jsonl") || lower.hasSuffix(".events.json")
    }

    func process(_ file: ClaimedFile, size: Int) throws(Errno) -> BatchProcessor.Disposition {
        let limit = configuration.maxFileBytes
        let tooLarge = DeskError(
            .tooLarge,
            "\(file.name) is \(size) bytes; the limit is \(limit) bytes (limits.max_file_bytes in copydesk.json): split it into several files"
        )
        if size > limit { return try reject(file, tooLarge) }
        guard let bytes = try FileSystem.readFile(file.path, limit: limit) else { return try reject(file, tooLarge) }
        let digest = SHA256.hexDigest(bytes)
        let id = Self.id(name: file.name, hexDigest: digest)
        let report = try store.ingest(bytes, digest: digest, org: file.org, templates: templates, now: clock.now())
        if report.events == 0 {
            return try reject(
                file, DeskError(.invalidRequest, "\(file.name) holds no events: one JSON object per line"))
        }
        if report.counted == 0 && report.alreadyCounted == 0 {
            let what = report.isArray ? "element" : "line"
            let first = report.badLines.first.map { " (\(what) \($0.position): \($0.error.message))" } ?? ""
            var details = JSONObject()
            details["errors"] = report.json["errors"]
            return try reject(
                file,
                DeskError(.invalidEvent, "no event of \(file.name) could be counted: every \(what) is bad\(first)"),
                details: details)
        }
        if case .duplicate(let original) = try DedupIndex(layout: layout).claim(
            .content, digest, for: id, org: file.org)
        {
            // The same bytes were dropped before (under another name): they counted then.
            try archive(
                file, as: Path.stem(Path.stem(file.name)) + ".duplicate-of-" + original + extensionOf(file.name))
            return .duplicate(of: original)
        }
        let resultPath = layout.result(org: file.org, batchID: id)
        try AtomicFile.createIfAbsent(at: resultPath) {
            var document = JSONObject()
            document["events_id"] = .string(id)
            document["org"] = .string(file.org)
            document["file"] = .string(file.name)
            for (key, value) in report.json.objectValue?.members ?? [] { document[key] = value }
            document["completed_at"] = .string(clock.now().iso8601)
            return .object(document)
        }
        try archive(file, as: id + extensionOf(file.name))
        return .events(id: id, report: report)
    }

    /// The id of an events file: its name without `.events.jsonl`, `-events`, and the first 8 hex
    /// digits of its SHA-256 (`day-1.events.jsonl` → `day-1-events-7f3a9c1e`).
    static func id(name: String, hexDigest: String) -> String {
        BatchID.make(name: Path.stem(Path.stem(name)) + "-events.json", hexDigest: hexDigest)
    }

    /// `.jsonl` or `.json`, as the file was named (lowercased).
    private func extensionOf(_ name: String) -> String {
        name.lowercased().hasSuffix(".jsonl") ? ".jsonl" : ".json"
    }

    private func reject(
        _ file: ClaimedFile, _ error: DeskError, details: JSONObject = JSONObject()
    ) throws(Errno)
        -> BatchProcessor.Disposition
    {
        try rejections.reject(path: file.path, name: file.name, org: file.org, error: error, details: details)
        return .rejected(error)
    }

    private func archive(_ file: ClaimedFile, as name: String) throws(Errno) {
        let folder = layout.archive(org: file.org)
        try FileSystem.ensureDirectory(folder)
        try FileSystem.rename(file.path, to: Path.join(folder, name))
        try FileSystem.syncDirectory(folder)
    }
}
