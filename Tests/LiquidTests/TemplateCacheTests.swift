import Liquid
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One cache of parsed partials, by path and file version, shared by loaders.
@Suite struct TemplateCacheTests {
    @Test func anEditedPartialIsSeenByTheVeryNextRender() throws {
        let directory = LoaderTests.temporaryDirectory()
        LoaderTests.write("Hi {{ who }}", to: directory + "/greeting.liquid")
        let options = RenderOptions(loader: DirectoryLoader(directory: directory))
        let page = try Template.parse("{% render 'greeting', who: 'you' %}")
        #expect(try page.render([:], options: options) == "Hi you")
        // No wait: an edit right after a render is seen at once.
        LoaderTests.write("Hello again {{ who }}", to: directory + "/greeting.liquid")
        #expect(try page.render([:], options: options) == "Hello again you")
        // A replacement of the same size (a rename over the file, as editors save) is seen too.
        LoaderTests.write("Howdy again {{ who }}", to: directory + "/greeting.new")
        #expect(rename(directory + "/greeting.new", directory + "/greeting.liquid") == 0)
        #expect(try page.render([:], options: options) == "Howdy again you")
        // So is a later write of the same size in place (only the modification time differs).
        LoaderTests.write("Howdy AGAIN {{ who }}", to: directory + "/greeting.liquid")
        var times = [timespec(tv_sec: time(nil), tv_nsec: 0), timespec(tv_sec: time(nil) + 10, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, directory + "/greeting.liquid", &times, 0) == 0)
        #expect(try page.render([:], options: options) == "Howdy AGAIN you")
    }

    @Test func anUnchangedPartialIsParsedOnce() throws {
        let directory = LoaderTests.temporaryDirectory()
        LoaderTests.write("[{{ x }}]", to: directory + "/part.liquid")
        let loader = DirectoryLoader(directory: directory)
        let options = RenderOptions(loader: loader)
        let page = try Template.parse("{% include 'part' %}{% render 'part', x: 2 %}")
        #expect(try page.render(["x": 1], options: options) == "[1][2]")
        #expect(try page.render(["x": 3], options: options) == "[3][2]")
        #expect(loader.cache.parses == 1)
        #expect(loader.cache.hits == 1)  // one lookup per render: the second use is the render's own
        // Another size: seen whatever the filesystem's timestamp granularity.
        LoaderTests.write("<{{ x }}>!", to: directory + "/part.liquid")
        #expect(try page.render(["x": 1], options: options) == "<1>!<2>!")
        #expect(loader.cache.parses == 2)
        #expect(loader.cache.count == 1)
    }

    @Test func aPartialInALoopIsLookedUpOncePerRender() throws {
        let directory = LoaderTests.temporaryDirectory()
        LoaderTests.write("<{{ i }}>", to: directory + "/p.liquid")
        let loader = DirectoryLoader(directory: directory)
        let page = try Template.parse("{% for i in (1..5) %}{% include 'p' %}{% endfor %}")
        #expect(try page.render([:], options: RenderOptions(loader: loader)) == "<1><2><3><4><5>")
        #expect(loader.cache.parses == 1)
        #expect(loader.cache.hits == 0)
        #expect(try page.render([:], options: RenderOptions(loader: loader)) == "<1><2><3><4><5>")
        #expect(loader.cache.parses == 1)
        #expect(loader.cache.hits == 1)
    }

    @Test func aNameEndingInLiquidIsThatFile() throws {
        let directory = LoaderTests.temporaryDirectory()
        LoaderTests.write("one", to: directory + "/x.liquid")
        LoaderTests.write("two", to: directory + "/x.liquid.liquid")
        let options = RenderOptions(loader: DirectoryLoader(directory: directory))
        #expect(
            try Template.parse("{% include 'x.liquid' %}|{% include 'x' %}").render([:], options: options) == "one|one")
    }

    @Test func aBrokenPartialIsParsedOnceUntilItChanges() throws {
        let directory = LoaderTests.temporaryDirectory()
        LoaderTests.write("{% if %}", to: directory + "/bad.liquid")
        let loader = DirectoryLoader(directory: directory)
        let page = try Template.parse("{% include 'bad' %}")
        for _ in 0..<2 {
            #expect(throws: LiquidError.self) { try page.render([:], options: RenderOptions(loader: loader)) }
        }
        #expect(loader.cache.parses == 1)
        LoaderTests.write("fixed", to: directory + "/bad.liquid")
        #expect(try page.render([:], options: RenderOptions(loader: loader)) == "fixed")
    }

    @Test func loadersOfTwoDirectoriesShareOneCacheByPath() throws {
        let cache = TemplateCache()
        let a = LoaderTests.temporaryDirectory()
        let b = LoaderTests.temporaryDirectory()
        LoaderTests.write("A", to: a + "/p.liquid")
        LoaderTests.write("B", to: b + "/p.liquid")
        let loaderA = DirectoryLoader(directory: a, cache: cache)
        let loaderB = DirectoryLoader(directory: b, cache: cache)
        #expect(loaderA.cache === loaderB.cache)
        let page = try Template.parse("{% include 'p' %}")
        #expect(try page.render([:], options: RenderOptions(loader: loaderA)) == "A")
        #expect(try page.render([:], options: RenderOptions(loader: loaderB)) == "B")
        // A second loader of the same directory finds the partial parsed.
        let againA = DirectoryLoader(directory: a + "/", cache: cache)
        #expect(try page.render([:], options: RenderOptions(loader: againA)) == "A")
        #expect(cache.parses == 2)
        #expect(cache.hits == 1)
        #expect(cache.count == 2)
    }

    @Test func aRelativeDirectoryIsMadeAbsolute() {
        let loader = DirectoryLoader(directory: "parts/")
        #expect(loader.directory.hasPrefix("/"))
        #expect(loader.directory.hasSuffix("/parts"))
    }

    @Test func valuesBesideTemplatesAreKeptByPathAndVersion() {
        let cache = TemplateCache()
        let v1 = FileIdentity(modified: 1, size: 10, inode: 7)
        var made = 0
        func lookup(_ identity: FileIdentity) -> String {
            cache.value(path: "/t.json", identity: identity) { () -> (value: String, identity: FileIdentity) in
                made += 1
                return ("made \(made)", identity)
            }
        }
        #expect(lookup(v1) == "made 1")
        #expect(lookup(v1) == "made 1")
        #expect(lookup(FileIdentity(modified: 1, size: 10, inode: 8)) == "made 2")
        #expect(lookup(FileIdentity(modified: 2, size: 10, inode: 8)) == "made 3")
        #expect(made == 3)
        #expect(cache.parses == 3)
        #expect(cache.hits == 1)
    }
}
