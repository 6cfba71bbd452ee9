import DeskKit

#if canImport(Glibc)
    import Glibc
#endif

extension BanditStore {
    /// An event tied to the variant it counts for, on its UTC day.
    public struct CountedEvent: Sendable, Equatable {
        public var delivery: Delivery
        public var kind: BanditEvent.Kind
        public var day: Int
        public init(delivery: Delivery, kind: BanditEvent.Kind, day: Int) {
            self.delivery = delivery
            self.kind = kind
            self.day = day
        }
    }

    /// Reads an events file's bytes (JSON Lines, or one JSON array), counts every good event for
    /// `org` exactly once, and reports the bad ones with their line numbers.
    ///
    /// `digest` (the file's SHA-256) makes the counting idempotent: a template whose counters
    /// already record it is left alone, so a file replayed after a crash counts once. Events
    /// without a tracking id are checked against `templates` (the template and variant must
    /// exist). O(n) in the file plus O(days) per touched variant.
    public func ingest(
        _ bytes: [UInt8], digest: String, org: String, templates: TemplateStore?, now: Timestamp
    ) throws(Errno) -> EventsReport {
        var report = EventsReport()
        var entries: [(Int, Result<JSONValue, DeskError>)] = []
        let first = bytes.first {
            !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF)
        }
        if first == UInt8(ascii: "[") {
            report.isArray = true
            do throws(JSONParseError) {
                let elements = try JSONValue.parse(bytes).arrayValue ?? []
                entries = elements.enumerated().map { ($0.offset, .success($0.element)) }
            } catch {
                entries = [
                    (
                        0,
                        .failure(
                            DeskError(
                                .invalidJSON, "the array is not valid JSON: \(error.message)", line: error.line,
                                column: error.column))
                    )
                ]
            }
        } else {
            entries = JSONValue.parseLines(bytes).map { line, result in
                switch result {
                case .success(let v): return (line, .success(v))
                case .failure(let e):
                    return (line, .failure(DeskError(.invalidJSON, "not valid JSON: \(e.message)", column: e.column)))
                }
            }
        }
        report.events = entries.count
        var counted: [(position: Int, event: CountedEvent)] = []
        var unknown: [(position: Int, event: BanditEvent)] = []
        let today = DayIndex.of(now)
        for (position, parsed) in entries {
            do throws(DeskError) {
                let event = try BanditEvent.decode(try parsed.get())
                let day = DayIndex.of(event.at)
                if day > today + 1 {
                    throw DeskError(.invalidEvent, "at \(event.at.iso8601) is in the future", field: "at")
                }
                if day < today - BanditSettings.maxDays - 10 {
                    throw DeskError(.invalidEvent, "at \(event.at.iso8601) is more than ten years old", field: "at")
                }
                switch resolve(event, org: org, templates: templates) {
                case .success(let delivery):
                    counted.append((position, CountedEvent(delivery: delivery, kind: event.kind, day: day)))
                case .failure(let error) where error.code == .notFound && event.trackingID != nil:
                    unknown.append((position, event))
                case .failure(let error): throw error
                }
            } catch {
                report.badLines.append(EventsReport.BadLine(position: position, error: error))
            }
        }
        if !unknown.isEmpty {
            // Another process may have delivered them since this one read the log.
            refreshDeliveries(org: org)
            for (position, event) in unknown {
                switch resolve(event, org: org, templates: templates) {
                case .success(let delivery):
                    counted.append(
                        (position, CountedEvent(delivery: delivery, kind: event.kind, day: DayIndex.of(event.at))))
                case .failure(let error):
                    report.badLines.append(EventsReport.BadLine(position: position, error: error))
                }
            }
        }
        report.badLines.sort { $0.position < $1.position }
        let outcome = try apply(counted.map(\.event), digest: digest, org: org)
        report.counted = outcome.counted
        report.alreadyCounted = outcome.skipped
        report.templates = outcome.templates
        return report
    }

    /// The variant an event counts for: the delivery under its tracking id, or the template and
    /// variant it names. `NOT_FOUND` for an unknown tracking id, template or variant.
    public func resolve(_ event: BanditEvent, org: String, templates: TemplateStore?) -> Result<Delivery, DeskError> {
        if let trackingID = event.trackingID {
            let delivered = withOrg(org) { $0.deliveries[trackingID] } ?? []
            guard !delivered.isEmpty else {
                return .failure(
                    DeskError(
                        .notFound,
                        "unknown tracking_id '\(trackingID)': no copy was delivered under it in org '\(org)'",
                        field: "tracking_id"))
            }
            var candidates = delivered
            if let templateID = event.templateID {
                candidates = delivered.filter { $0.templateID == templateID }
                guard !candidates.isEmpty else {
                    return .failure(
                        DeskError(
                            .notFound,
                            "tracking_id '\(trackingID)' was not delivered for template '\(templateID)' (it was for \(delivered.map { "'\($0.templateID)'" }.joined(separator: ", ")))",
                            field: "template_id"))
                }
            }
            guard candidates.count == 1 else {
                return .failure(
                    DeskError(
                        .invalidEvent,
                        "tracking_id '\(trackingID)' was delivered for several templates (\(candidates.map { "'\($0.templateID)'" }.joined(separator: ", "))): add template_id",
                        field: "template_id"))
            }
            let delivery = candidates[0]
            if let copyID = event.copyID, copyID != delivery.copyID {
                return .failure(
                    DeskError(
                        .invalidEvent,
                        "copy_id '\(copyID)' does not match variant '\(delivery.copyID)' delivered under tracking_id '\(trackingID)'",
                        field: "copy_id"))
            }
            return .success(delivery)
        }
        guard let templateID = event.templateID, let copyID = event.copyID else {
            return .failure(DeskError(.invalidEvent, "the event needs a tracking_id, or template_id and copy_id"))
        }
        if let templates {
            switch templates.template(org: org, id: templateID) {
            case .success(let template) where !template.variants.contains(where: { $0.id == copyID }):
                return .failure(
                    DeskError(.notFound, "template '\(templateID)' has no variant '\(copyID)'", field: "copy_id"))
            case .failure(let error) where error.code == .notFound:
                return .failure(error)
            default: break
            }
        }
        return .success(Delivery(templateID: templateID, copyID: copyID))
    }

    /// Reads deliveries appended to the org's log since it was last read (by another process).
    public func refreshDeliveries(org: String) {
        guard let log = deliveriesLog(org) else { return }
        follow(org: org, offset: \.deliveriesOffset, read: { log.read(from: $0) }, Self.addDelivery)
    }

    /// Adds `events` to the counters of `org`, exactly once per `digest` and template, whichever
    /// processes of the desk apply events: under `counters.lock` (`flock(2)`), each touched
    /// template's counters file is read again if another process rewrote it since this one read
    /// it (its ``FileStamp`` differs), the events are added, and the file is rewritten atomically
    /// with the digest in it; then the in-memory counters are swapped. Returns the events counted
    /// now and those skipped because their template had already applied `digest` (or its id
    /// could not name a file). O(events + touched counters files).
    public func apply(
        _ events: [CountedEvent], digest: String, org: String
    ) throws(Errno)
        -> (counted: Int, skipped: Int, templates: [String])
    {
        writeLock.lock()
        defer { writeLock.unlock() }
        var byTemplate: [String: [CountedEvent]] = [:]
        for event in events { byTemplate[event.delivery.templateID, default: []].append(event) }
        guard !byTemplate.isEmpty else { return (0, 0, []) }
        guard let folder = countersFolder(org), let lock = countersLock(org) else {
            return try add(byTemplate, digest: digest, org: org, folder: nil)
        }
        try FileSystem.ensureDirectory(folder)
        return try lock.withExclusive { _ throws(Errno) in
            try add(byTemplate, digest: digest, org: org, folder: folder)
        }
    }

    /// `apply`'s work, with the lock held when there is a `folder`.
    private func add(
        _ byTemplate: [String: [CountedEvent]], digest: String, org: String, folder: String?
    ) throws(Errno) -> (counted: Int, skipped: Int, templates: [String]) {
        var counted = 0
        var skipped = 0
        var touched: [String] = []
        for templateID in byTemplate.keys.sorted() {
            let list = byTemplate[templateID]!
            // The id names the counters file: events and deliveries carry checked ids, and one
            // that is not (a hand-edited deliveries log) is never turned into a path.
            guard Path.isSafeID(templateID) else {
                skipped += list.count
                continue
            }
            let now = Self.uptime()
            var held = withOrg(org) { $0.counters[templateID] } ?? HeldCounters(checkedAt: now)
            let path = folder.map { Path.join($0, templateID + ".json") }
            if let path, try FileStamp.of(path) != held.file {
                // Another process rewrote (or removed) the file since this one read it: start from it.
                let fresh = try Self.readCounters(at: path, templateID: templateID)
                held.counters = fresh?.counters
                held.file = fresh?.file
            }
            if held.counters == nil, held.file != nil, let path {
                // A file that is not counters copydesk wrote (hand-edited, or another tool's):
                // starting from zero would overwrite every count it held. The events file
                // stays claimed and is retried, and health.json names the file.
                throw Errno(
                    EBADMSG,
                    "read \"\(path)\": not the counters of template '\(templateID)'; restore it from a backup, or move it away to count from zero again"
                )
            }
            held.checkedAt = now
            var counters = held.counters ?? TemplateCounters(templateID: templateID)
            if counters.hasApplied(digest) {
                withOrg(org) { $0.counters[templateID] = held }
                skipped += list.count
                continue
            }
            var changed: Set<String> = []
            for event in list {
                var one = EventCounts()
                one.add(event.kind)
                counters.variants[event.delivery.copyID, default: DailyCounters()].add(one, day: event.day)
                changed.insert(event.delivery.copyID)
            }
            for variant in changed { counters.variants[variant]!.rebuild() }
            counters.markApplied(digest)
            if let path {
                try AtomicFile.write(counters.json.serialized(), to: path)
                held.file = try FileStamp.of(path)
            }
            counters.stamp = Self.newStamp()
            held.counters = counters
            withOrg(org) { $0.counters[templateID] = held }
            counted += list.count
            touched.append(templateID)
        }
        return (counted, skipped, touched)
    }
}
