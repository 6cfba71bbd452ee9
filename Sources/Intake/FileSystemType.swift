import DeskKit

#if canImport(Glibc)
    import Glibc
#endif

/// What kind of filesystem a folder is on, as far as change notification goes.
public enum FileSystemType: Sendable, Equatable {
    /// A local filesystem: inotify sees every change.
    case local
    /// A network or user-space filesystem (NFS, CIFS/SMB, FUSE, …): inotify misses changes made
    /// by other hosts, so the inbox must be polled. The associated name is for the log.
    case remote(String)

    /// Filesystem types whose changes inotify cannot see in full (made on other hosts, or by a
    /// user-space server).
    public static let remoteTypes: Set<String> = [
        "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "9p", "ceph", "afs", "lustre", "gpfs",
        "glusterfs", "beegfs", "sshfs", "davfs", "davfs2", "virtiofs",
    ]

    /// `statfs(2)` magic numbers (`f_type`) of the filesystems that need polling, with the name
    /// the log gives them (from `linux/magic.h` and the filesystems' own sources).
    public static let remoteMagics: [Int: String] = [
        0x6969: "nfs", 0x517B: "smb", 0xFF53_4D42: "cifs", 0xFE53_4D42: "smb2", 0x6573_5546: "fuse",
        0x0102_1997: "9p", 0x00C3_6400: "ceph", 0x5346_414F: "afs", 0x6B41_4653: "afs", 0x0BD0_0BD0: "lustre",
        0x4750_4653: "gpfs", 0x1970_0426: "beegfs",
    ]

    /// The type of the filesystem holding `path`.
    ///
    /// Asks `statfs(2)` first: a known network or FUSE magic number decides. Otherwise reads the
    /// device of `path` with `stat(2)` and finds its mount in `/proc/self/mountinfo`, which also
    /// names types without a magic number of their own (and tells bind and nested mounts apart).
    /// Any `fuse` or `fuse.*` type counts as remote. When neither says, the folder is taken as
    /// local (inotify, with the periodic reconciliation scan as a safety net).
    public static func of(_ path: String) -> FileSystemType {
        if let magic = magic(of: path), case let type = classify(magic: magic), type != .local {
            return type
        }
        var info = stat()
        guard stat(path, &info) == 0 else { return .local }
        let device = info.st_dev
        let major = (device >> 8) & 0xFFF | ((device >> 32) & ~0xFFF)
        let minor = (device & 0xFF) | ((device >> 12) & ~0xFF)
        guard let bytes = try? FileSystem.readFile("/proc/self/mountinfo", limit: 8 << 20) else { return .local }
        let wanted = "\(major):\(minor)"
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            guard let type = mountType(line, device: wanted) else { continue }
            return classify(type)
        }
        return .local
    }

    /// The C `statfs(2)`, looked up once: Glibc's module map does not export `<sys/statfs.h>`.
    private static let statfsCall: (@convention(c) (UnsafePointer<CChar>, UnsafeMutableRawPointer) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "statfs") else { return nil }
        return unsafeBitCast(
            symbol, to: (@convention(c) (UnsafePointer<CChar>, UnsafeMutableRawPointer) -> Int32).self)
    }()

    /// The filesystem magic number (`f_type`) of the folder holding `path`, by `statfs(2)`
    /// (retried on `EINTR`), or `nil` when the call fails.
    public static func magic(of path: String) -> Int? {
        guard let call = statfsCall else { return nil }
        // struct statfs is 120 bytes on 64-bit Linux and begins with `f_type` (a C long).
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 8)
        defer { buffer.deallocate() }
        guard (try? valueOrErrno("statfs(\"\(path)\")", { call(path, buffer) })) != nil else { return nil }
        return buffer.load(as: Int.self) & 0xFFFF_FFFF
    }

    /// Whether a `statfs(2)` `f_type` magic number means polling.
    public static func classify(magic: Int) -> FileSystemType {
        remoteMagics[magic].map { .remote($0) } ?? .local
    }

    /// The type name of a `mountinfo(5)` line for the device `major:minor`, or `nil` for another
    /// device.
    public static func mountType(_ line: Substring, device: String) -> String? {
        let fields = line.split(separator: " ")
        guard fields.count > 4, fields[2] == device, let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count
        else { return nil }
        return String(fields[dash + 1])
    }

    /// Whether a filesystem type name means polling.
    public static func classify(_ type: String) -> FileSystemType {
        if remoteTypes.contains(type) || type == "fuse" || type.hasPrefix("fuse.") || type == "fuseblk" {
            return .remote(type)
        }
        return .local
    }
}
