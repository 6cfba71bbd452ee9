import DeskKit

extension BanditStore {
    /// The user's assignment for the template, decided once for every process of the desk: the
    /// existing one while it is in `eligible`, else `proposed`, which is recorded.
    ///
    /// Opens `sticky.jsonl` and holds its `flock(2)` while it reads the lines other processes
    /// appended since this process last read it (from the byte offset it keeps), decides, and
    /// appends its line through the same descriptor, without `fsync`: the next ``sync()`` makes
    /// it durable, before any result relies on it. Two batches, in one process or two, choosing
    /// for one new user at once thus agree: the first claim in the log wins. O(lines appended
    /// since the last read); `open`, `flock`, `fstat`, `pread`, `write`, `close`. Called only
    /// when this process knows no eligible assignment. When the log cannot be written (a full
    /// disk), the assignment holds in this process and ``sync()`` retries it.
    public func claimSticky(
        org: String, userID: String, templateID: String, proposed: String, eligible: (String) -> Bool, at: Timestamp
    ) -> String {
        let key = Self.stickyKey(userID, templateID)
        /// The assignment held, or the line that moves the user to `proposed`.
        func decide(_ state: inout OrgState) -> (assigned: String?, line: [UInt8]) {
            let existing = state.sticky[key]
            if let existing, eligible(existing) { return (existing, []) }
            return (nil, Self.stickyLine(userID, templateID, proposed, replacing: existing, at: at))
        }
        guard let log = stickyLog(org) else {
            return withOrg(org) { state in
                if let assigned = decide(&state).assigned { return assigned }
                state.sticky[key] = proposed
                return proposed
            }
        }
        do throws(Errno) {
            return try FileLock(path: log.path).withExclusive { fd throws(Errno) -> String in
                let before = withOrg(org) { $0.stickyOffset }
                follow(
                    org: org, offset: \.stickyOffset, read: { (try? AppendLog.read(fd, from: $0)) ?? ([], $0) },
                    Self.addSticky)
                let (assigned, line) = withOrg(org) { state in
                    // Lines of other processes this one now relies on are made durable by its sync too.
                    if state.stickyOffset != before { state.stickyUnsynced = true }
                    return decide(&state)
                }
                if let assigned { return assigned }
                let end = try AppendLog.append(line, to: fd, sync: false)
                withOrg(org) { state in
                    state.sticky[key] = proposed
                    state.stickyUnsynced = true
                    // The first line of a log this process may have just created: its folder too.
                    if end == line.count { state.stickyFolderUnsynced = true }
                    // Nothing but this line (and perhaps a line torn by a crash) came after the
                    // offset: the lock is held.
                    state.stickyOffset = max(state.stickyOffset, end)
                }
                return proposed
            }
        } catch {
            return withOrg(org) { state in
                let (assigned, line) = decide(&state)
                if let assigned { return assigned }
                state.sticky[key] = proposed
                state.pendingSticky += line
                return proposed
            }
        }
    }

    /// A line of `sticky.jsonl`, newline included: `user_id` gets `copy_id` of `template_id`
    /// (`replaces`: the assignment it takes the user off, when there was one).
    static func stickyLine(
        _ userID: String, _ templateID: String, _ copyID: String, replacing: String?, at: Timestamp
    ) -> [UInt8] {
        var o = JSONObject()
        o["user_id"] = .string(userID)
        o["template_id"] = .string(templateID)
        o["copy_id"] = .string(copyID)
        if let replacing { o["replaces"] = .string(replacing) }
        o["at"] = .string(at.iso8601)
        return JSONValue.object(o).serialized() + [0x0A]
    }

    /// Folds a line of `sticky.jsonl` into `state`. A claim assigns a user who has no assignment
    /// for the template yet: the first claim wins. A line with `replaces` moves the user off that
    /// variant (withdrawn, or no longer targeted), only while it is still the user's assignment.
    /// Reading a line twice changes nothing.
    static func addSticky(_ value: JSONValue, to state: inout OrgState) {
        guard let user = value["user_id"]?.stringValue, let template = value["template_id"]?.stringValue,
            let copy = value["copy_id"]?.stringValue
        else { return }
        let key = stickyKey(user, template)
        let current = state.sticky[key]
        if current == nil || (current == value["replaces"]?.stringValue) { state.sticky[key] = copy }
    }

    /// Appends sticky lines that could not be appended when they were claimed, holding the log's
    /// lock, with an `fsync` (which makes every earlier line durable too).
    func appendPendingSticky(_ lines: [UInt8], org: String) throws(Errno) {
        guard let log = stickyLog(org) else { return }
        try FileLock(path: log.path).withExclusive { fd throws(Errno) in
            follow(
                org: org, offset: \.stickyOffset, read: { (try? AppendLog.read(fd, from: $0)) ?? ([], $0) },
                Self.addSticky)
            let end = try AppendLog.append(lines, to: fd, sync: true)
            withOrg(org) { $0.stickyOffset = max($0.stickyOffset, end) }
        }
    }
}
