#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One version of a file, as the file system tells it: modification time, size and inode.
///
/// Two looks at a file that was neither written nor replaced in between give equal identities;
/// writing it changes the modification time (and usually the size), replacing it (a rename over
/// it) the inode. What is cached from a file is valid while the file's identity is unchanged.
public struct FileIdentity: Hashable, Sendable {
    /// The modification time, in nanoseconds since 1970.
    public var modified: Int64
    /// The size, in bytes.
    public var size: Int64
    /// The inode number.
    public var inode: UInt64

    /// An identity of the given parts.
    public init(modified: Int64, size: Int64, inode: UInt64) {
        self.modified = modified
        self.size = size
        self.inode = inode
    }

    /// The identity of the regular file at `path` (one `stat(2)`), or nil when there is no
    /// regular file there.
    public init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        self.init(info)
    }

    /// The identity of the open file `descriptor` (one `fstat(2)`), or nil when it is not a
    /// regular file.
    public init?(descriptor: Int32) {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        self.init(info)
    }

    /// The identity in `info`, or nil when it is not that of a regular file.
    private init?(_ info: stat) {
        guard (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        #if canImport(Darwin)
            let time = info.st_mtimespec
        #else
            let time = info.st_mtim
        #endif
        self.init(
            modified: Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec), size: Int64(info.st_size),
            inode: UInt64(info.st_ino))
    }
}
