#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One version of a file, told from others without reading it: its device and inode, size, and
/// modification and change times (`st_dev`, `st_ino`, `st_size`, `st_mtim`, `st_ctim`).
///
/// A file replaced by a rename (``AtomicFile``) has another inode; one rewritten in place has
/// another size or time. A reader that keeps the stamp of what it read knows from one `stat(2)`
/// whether another process changed the file since.
public struct FileStamp: Sendable, Hashable {
    /// `st_dev`.
    public var device: UInt64
    /// `st_ino`.
    public var inode: UInt64
    /// `st_size`.
    public var size: Int64
    /// `st_mtim`, in nanoseconds.
    public var modified: Int64
    /// `st_ctim`, in nanoseconds.
    public var changed: Int64

    /// The stamp of the file `st` describes.
    public init(_ st: stat) {
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        size = Int64(st.st_size)
        modified = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        changed = Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec)
    }

    /// The stamp of `path` itself (a link is not followed), from one `lstat(2)`; `nil` when
    /// nothing is there. O(1).
    public static func of(_ path: String) throws(Errno) -> FileStamp? {
        try FileSystem.linkStatus(path).map(FileStamp.init)
    }
}
