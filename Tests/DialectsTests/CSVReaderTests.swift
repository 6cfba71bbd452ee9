import DeskKit
import Dialects
import Foundation
import Testing

func csvFile(_ bytes: [UInt8]) throws -> String {
    var template = Array((NSTemporaryDirectory() + "/copydesk-csv.XXXXXX").utf8CString)
    guard let folder = mkdtemp(&template) else { throw Errno(errno, "mkdtemp") }
    let path = String(cString: folder) + "/rows.csv"
    try AtomicFile.write(bytes, to: path)
    return path
}

func readAll(_ path: String) throws -> (rows: [CSVReader.Row], delimiter: UInt8) {
    var reader = try CSVReader(path: path)
    defer { reader.close() }
    var rows: [CSVReader.Row] = []
    while let row = try reader.next() { rows.append(row) }
    return (rows, reader.delimiter)
}

struct CSVReaderTests {
    @Test func everyRFC4180CornerCase() throws {
        let text =
            "\u{FEFF}name,note,n\r\n"  // BOM, CRLF
            + "\"Smith, Ann\",\"said \"\"hi\"\"\",1\r\n"  // delimiter and doubled quotes inside quotes
            + "Bo,\"two\nlines\",2\n"  // newline inside quotes, LF ending
            + "\n"  // a blank line is skipped
            + "Cy,,3\r\n"  // an empty field
            + "\"\",\"\",4\n"  // empty quoted fields
            + "Dé,ünï,5"  // UTF-8, no final newline
        let (rows, delimiter) = try readAll(try csvFile(Array(text.utf8)))
        #expect(delimiter == UInt8(ascii: ","))
        #expect(rows.map(\.fields) == [
            ["name", "note", "n"], ["Smith, Ann", "said \"hi\"", "1"], ["Bo", "two\nlines", "2"], ["Cy", "", "3"],
            ["", "", "4"], ["Dé", "ünï", "5"],
        ])
        #expect(rows.map(\.line) == [1, 2, 3, 6, 7, 8])
        #expect(rows.allSatisfy { $0.problem == nil })
    }

    @Test(arguments: [("a;b;c\n1;2;3\n", ";"), ("a\tb\n1\t2\n", "\t"), ("\"x;y\",b\n", ","), ("solo\n", ",")])
    func theDelimiterIsSniffedOutsideQuotes(text: String, expected: String) throws {
        let (rows, delimiter) = try readAll(try csvFile(Array(text.utf8)))
        #expect(delimiter == expected.utf8.first)
        #expect(rows.first?.problem == nil)
    }

    @Test func badRowsAreReportedAndTheRestGoesOn() throws {
        let text = "a,b\n\"x\"y,1\nok,2\nq\"t,3\nfine,4\n\"never closed,5\nlost,6\n"
        let (rows, _) = try readAll(try csvFile(Array(text.utf8)))
        #expect(rows[1].problem?.contains("after the closing quote") == true)
        #expect(rows[2].fields == ["ok", "2"] && rows[2].problem == nil)
        #expect(rows[3].problem?.contains("quote inside an unquoted field") == true)
        #expect(rows[4].fields == ["fine", "4"])
        #expect(rows[5].line == 6)
        #expect(rows[5].problem?.contains("never closed") == true)
    }

    @Test func aLargeFileStreamsWithRowsBeyondTheBuffer() throws {
        var text = "id,body\n"
        for i in 0..<20_000 { text += "\(i),\"\(String(repeating: "x", count: i % 50))\n\(i)\"\n" }
        let (rows, _) = try readAll(try csvFile(Array(text.utf8)))
        #expect(rows.count == 20_001)
        #expect(rows.last?.fields == ["19999", String(repeating: "x", count: 19_999 % 50) + "\n19999"])
        #expect(rows.last?.line == 2 + 19_999 * 2)
    }
}
