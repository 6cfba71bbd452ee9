import Intake
import Testing

struct InboxFileTests {
    @Test(arguments: [
        (".hidden.json", true), ("a.json.tmp", true), ("a.part", true), ("a.json.partial", true),
        ("a.crdownload", true), ("a.json~", true), ("a.json", false), ("export.csv", false), ("notes.txt", false),
    ])
    func ignoredNames(name: String, ignored: Bool) {
        #expect(InboxFile.isIgnored(name) == ignored)
    }

    @Test(arguments: [("acme", true), ("team-2_eu", true), (".claims", false), ("", false), ("a b", false)])
    func orgNames(name: String, valid: Bool) {
        #expect(InboxFile.isValidOrg(name) == valid)
    }
}

struct FileSystemTypeTests {
    @Test(arguments: [
        ("nfs", true), ("nfs4", true), ("cifs", true), ("smb3", true), ("fuse.sshfs", true), ("fuse", true),
        ("9p", true), ("ext4", false), ("xfs", false), ("tmpfs", false), ("overlay", false), ("btrfs", false),
    ])
    func remoteTypesArePolled(type: String, remote: Bool) {
        #expect((FileSystemType.classify(type) != .local) == remote)
    }

    @Test(arguments: [
        (0x6969, true), (0xFF53_4D42, true), (0xFE53_4D42, true), (0x517B, true), (0x6573_5546, true),
        (0x0102_1997, true), (0x00C3_6400, true), (0xEF53, false), (0x0102_1994, false), (0x794C_7630, false),
        (0x9123_683E, false), (0x5846_5342, false),
    ])
    func statfsMagicNumbersOfNetworkFilesystemsArePolled(magic: Int, remote: Bool) {
        // nfs, cifs, smb2, smb, fuse, 9p, ceph; ext4, tmpfs, overlay, btrfs, xfs
        #expect((FileSystemType.classify(magic: magic) != .local) == remote)
    }

    @Test func readsTheTypeOfAMountinfoLine() {
        let line: Substring = "36 35 0:52 / /mnt/share rw,relatime shared:1 - nfs4 server:/export rw,vers=4.2"
        #expect(FileSystemType.mountType(line, device: "0:52") == "nfs4")
        #expect(FileSystemType.mountType(line, device: "0:53") == nil)
    }

    @Test func aLocalTemporaryFolderIsLocal() throws {
        // /tmp on this machine is a local filesystem (tmpfs, ext4 or overlay).
        #expect(FileSystemType.of(try temporaryFolder()) == .local)
    }

    @Test func statfsReadsTheMagicNumberOfARealFolder() throws {
        // /proc is procfs on every Linux (PROC_SUPER_MAGIC); the call fails for a missing folder.
        #expect(FileSystemType.magic(of: "/proc") == 0x9FA0)
        #expect(FileSystemType.magic(of: "/no/such/folder") == nil)
    }
}
