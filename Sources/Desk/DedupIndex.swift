import DeskKit

#if canImport(Glibc)
    import Glibc
#endif

/// Remembers which batch each content hash and idempotency key of an org belongs to.
///
/// Each entry is a symbolic link `state/<org>/index/<kind>-<sha256>` whose target is the batch
/// id: `symlink(2)` creates it atomically and only if absent, so when two drops race, one wins;
/// `readlink(2)` reads it back. O(1) per lookup, durable (the folder is `fsync`ed), safe across
/// processes and over NFS.
public struct DedupIndex: Sendable {
    /// What an entry identifies a request by.
    public enum Kind: String, Sendable {
        case content = "sha256"
        case idempotencyKey = "key"
    }

    /// The answer to ``claim(_:_:for:)``.
    public enum Claim: Sendable, Equatable {
        /// The entry now points at the batch.
        case new
        /// The entry already pointed at this batch (a restart resuming it).
        case same
        /// The entry points at another batch: this request is a duplicate of it.
        case duplicate(of: String)
    }

    private let layout: DeskLayout

    /// The index of the desk `layout`.
    public init(layout: DeskLayout) { self.layout = layout }

    /// Points `kind`/`value` at `batchID` unless it already points somewhere.
    ///
    /// `value` is a SHA-256 hex digest for content; an idempotency key is hashed first. With
    /// `syncDirectory: false` the caller takes over the `fsync` of the index folder (to share it
    /// with the other folders it flushes before archiving the request).
    public func claim(
        _ kind: Kind, _ value: String, for batchID: String, org: String, syncDirectory: Bool = true
    ) throws(Errno) -> Claim {
        let folder = layout.index(org: org)
        let digest = kind == .content ? value : SHA256.hexDigest(Array(value.utf8))
        let path = Path.join(folder, "\(kind.rawValue)-\(digest)")
        for attempt in 0..<2 {
            if symlink(batchID, path) == 0 {
                if syncDirectory { try FileSystem.syncDirectory(folder) }
                return .new
            }
            let code = errno
            if code == ENOENT && attempt == 0 {
                try FileSystem.ensureDirectory(folder)
                continue
            }
            guard code == EEXIST else { throw Errno(code, "symlink(\"\(path)\")") }
            let existing = try readLink(path)
            return existing == batchID ? .same : .duplicate(of: existing)
        }
        throw Errno(ENOENT, "symlink(\"\(path)\")")
    }

    private func readLink(_ path: String) throws(Errno) -> String {
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = try valueOrErrno("readlink(\"\(path)\")") {
            buffer.withUnsafeMutableBytes { readlink(path, $0.baseAddress!.assumingMemoryBound(to: CChar.self), 511) }
        }
        return String(decoding: buffer[0..<n], as: UTF8.self)
    }
}
