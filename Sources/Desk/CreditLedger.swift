import DeskKit
import Synchronization

/// The credit budgets of the desk's orgs (`orgs.<org>.credits` in `copydesk.json`) and their
/// durable ledger, `state/<org>/credits.jsonl`:
///
/// ```json
/// {"batch_id": "welcome-7f3a9c1e", "spend": 3, "at": "2026-11-23T09:00:00.000Z"}
/// {"batch_id": "welcome-7f3a9c1e", "refund": [2], "at": "2026-11-23T09:00:01.000Z"}
/// ```
/// An admitted item costs one credit, spent at admission, before anything is generated; an item
/// that is cancelled, or fails without content, gets it back. The balance is the budget minus
/// the spends plus the refunds. Each batch spends once: admitted again after a crash, it finds
/// its own spend and admits the same number of items without paying again; each item is
/// refunded at most once. Every read-modify-write holds `state/<org>/credits.lock` with
/// `flock(2)`, so processes sharing the desk never spend the same credit twice, and each line
/// is appended with `fsync` before it counts. An org without a budget is unlimited and has no
/// ledger.
public final class CreditLedger: Sendable {
    /// What the ledger of one org holds, folded from its lines.
    struct Book {
        /// Bytes of the ledger read so far.
        var offset = 0
        var spent = 0
        var refunded = 0
        /// Credits each batch spent.
        var spends: [String: Int] = [:]
        /// Items of each batch refunded.
        var refunds: [String: Set<Int>] = [:]

        mutating func fold(_ line: JSONValue) {
            guard let batch = line["batch_id"]?.stringValue else { return }
            if let n = line["spend"]?.intValue, spends[batch] == nil {
                spends[batch] = n
                spent += n
            }
            for index in line["refund"]?.arrayValue ?? [] {
                guard let i = index.intValue else { continue }
                if refunds[batch, default: []].insert(i).inserted { refunded += 1 }
            }
        }
    }

    private let layout: DeskLayout
    /// Each budgeted org's budget.
    public let budgets: [String: Int]
    private let clock: any DeskClock
    private let books = Mutex<[String: Book]>([:])

    /// The ledger of the desk `layout`, with `budgets` by org.
    public init(layout: DeskLayout, budgets: [String: Int], clock: any DeskClock) {
        self.layout = layout
        self.budgets = budgets
        self.clock = clock
    }

    /// `state/<org>/credits.jsonl`.
    public func path(org: String) -> String { Path.join(layout.state(org: org), "credits.jsonl") }

    /// Spends one credit for each admitted item of `request`, in order, while the balance lasts;
    /// the items beyond it are rejected `INSUFFICIENT_CREDITS`. A batch that already spent
    /// admits the same number of items again and spends nothing. Nothing happens in an org
    /// without a budget. O(items + new ledger lines).
    public func admit(_ request: inout BatchRequest, batchID: String, org: String) throws(Errno) {
        guard let budget = budgets[org] else { return }
        let eligible = request.items.indices.filter { request.items[$0].rejection == nil }
        guard !eligible.isEmpty else { return }
        let admitted = try locked(org: org) { book, log throws(Errno) -> Int in
            if let n = book.spends[batchID] { return n }
            let n = min(eligible.count, max(0, budget - book.spent + book.refunded))
            try log.append(line(JSONObject([("batch_id", .string(batchID)), ("spend", .int(n))])))
            return n
        }
        // Written only when some item is refused (see PageAliasClaims.claim: a write in a loop can
        // copy every item up front).
        guard admitted < eligible.count else { return }
        for i in eligible.dropFirst(admitted) {
            request.items[i].rejection = DeskError(
                .insufficientCredits,
                "the org '\(org)' has no credits left for this item (budget \(budget), orgs.\(org).credits in copydesk.json): raise the budget, or wait for refunds, and drop the item again",
                field: "items[\(request.items[i].index)]")
        }
    }

    /// Gives back the credits of the items at `indices` of `batchID` that were not refunded yet.
    /// Nothing happens in an org without a budget. O(indices + new ledger lines).
    public func refund(_ indices: [Int], batchID: String, org: String) throws(Errno) {
        guard budgets[org] != nil, !indices.isEmpty else { return }
        try locked(org: org) { book, log throws(Errno) in
            guard book.spends[batchID] != nil else { return }
            let done = book.refunds[batchID] ?? []
            let fresh = Array(Set(indices).subtracting(done)).sorted()
            guard !fresh.isEmpty else { return }
            try log.append(
                line(JSONObject([("batch_id", .string(batchID)), ("refund", .array(fresh.map(JSONValue.int)))])))
        }
    }

    /// The org's budget, credits spent (net of refunds) and balance; `nil` without a budget.
    /// Reads the ledger without its lock (appends are whole lines): a reader such as
    /// `copydesk status` creates nothing. O(ledger).
    public func balance(org: String) -> (budget: Int, used: Int, balance: Int)? {
        guard let budget = budgets[org] else { return nil }
        var book = Book()
        for line in AppendLog(path: path(org: org)).read().values { book.fold(line) }
        let used = book.spent - book.refunded
        return (budget, used, budget - used)
    }

    private func line(_ object: JSONObject) -> [UInt8] {
        var o = object
        o["at"] = .string(clock.now().iso8601)
        return JSONValue.object(o).serialized(pretty: false) + [0x0A]
    }

    /// Runs `body` with the org's book brought up to date, holding the org's lock file (and this
    /// process's lock); the book is read again after `body`, so what it appended counts.
    private func locked<T>(
        org: String, _ body: (Book, AppendLog) throws(Errno) -> T
    ) throws(Errno) -> T {
        let log = AppendLog(path: path(org: org))
        let lock = FileLock(path: Path.join(layout.state(org: org), "credits.lock"))
        // (Each holder opens the lock file anew: the flock keeps this process's threads out too.)
        return try lock.withExclusive { _ throws(Errno) -> T in
            try books.withLock { books throws(Errno) -> T in
                var book = books[org] ?? Book()
                func catchUp() {
                    let (lines, end) = log.read(from: book.offset)
                    for line in lines { book.fold(line) }
                    book.offset = end
                }
                catchUp()
                let value = try body(book, log)
                catchUp()
                books[org] = book
                return value
            }
        }
    }
}
