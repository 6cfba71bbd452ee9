#if canImport(Glibc)
import Glibc
#endif
import DeskKit

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

    /// The type of the filesystem holding `path`.
    ///
    /// Reads the device of `path` with `stat(2)` and finds the mount with that device in
    /// `/proc/self/mountinfo`, so bind mounts and nested mounts are told apart exactly. Any `fuse`
    /// or `fuse.*` type counts as remote. When the mount cannot be found the folder is taken as
    /// local (inotify, with the periodic reconciliation scan as a safety net).
    public static func of(_ path: String) -> FileSystemType {
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
