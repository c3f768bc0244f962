using System.Diagnostics;

namespace Rampart.Store.Tests;

/// <summary>
/// The policy store refuses a state directory someone other than root could control, and never follows a link
/// planted in it. Needs root (it hands directories to nobody); without it the test fails saying so.
/// </summary>
public sealed class StateDirectoryTests : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode Everyone = (UnixFileMode)0x1FF; // 0777

    private readonly string _root = Directory.CreateTempSubdirectory("rampart-statedir-").FullName;

    private string Home => Path.Combine(_root, "home");

    [Fact]
    public void Open_RefusesAHomeWritableByOthers_AndLeavesItAsItWas()
    {
        Directory.CreateDirectory(Home);
        File.SetUnixFileMode(Home, Everyone);

        var error = Assert.ThrowsAny<IOException>(() => SqlitePolicyStore.Open(Home).Dispose());

        Assert.Equal($"refusing RAMPART_HOME {Home}: it is writable by group or others (mode 0777); run chmod 700 {Home}", error.Message);
        Assert.Equal(Everyone, File.GetUnixFileMode(Home));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Home));
    }

    [Fact]
    public void Open_RefusesAHomeOwnedByNobody()
    {
        Directory.CreateDirectory(Home, Private);
        Chown("65534", Home);

        var error = Assert.ThrowsAny<IOException>(() => SqlitePolicyStore.Open(Home).Dispose());

        Assert.Equal($"refusing RAMPART_HOME {Home}: it is owned by uid 65534, not root; run chown root: {Home}", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Home));
    }

    [Fact]
    public void Open_RefusesAHomeBelowADirectoryOthersCanWrite()
    {
        var open = Path.Combine(_root, "open");
        Directory.CreateDirectory(open);
        File.SetUnixFileMode(open, Everyone);
        var home = Path.Combine(open, "home");

        var error = Assert.ThrowsAny<IOException>(() => SqlitePolicyStore.Open(home).Dispose());

        Assert.Contains($"refusing RAMPART_HOME {home}: the directory above it, {open}, is writable by group or others (mode 0777) without the sticky bit", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(home));
    }

    [Fact]
    public void Open_RefusesALinkPlantedAtPolicyDb_AndWritesNothingThroughIt()
    {
        Directory.CreateDirectory(Home, Private);
        var victim = Path.Combine(_root, "victim");
        File.WriteAllBytes(victim, []);
        File.SetUnixFileMode(victim, (UnixFileMode)0x1A4); // 0644
        var link = Path.Combine(Home, StoreLocation.DatabaseFileName);
        File.CreateSymbolicLink(link, victim);

        var error = Assert.ThrowsAny<IOException>(() => SqlitePolicyStore.Open(Home).Dispose());

        Assert.Equal($"refusing RAMPART_HOME {Home}: {link} is a symbolic link (to {victim}); remove it", error.Message);
        Assert.Equal(0, new FileInfo(victim).Length);
        Assert.Equal((UnixFileMode)0x1A4, File.GetUnixFileMode(victim));
        Assert.False(File.Exists(link + "-wal"));
    }

    [Fact]
    public void Open_RefusesAHomeThatIsALink()
    {
        var real = Path.Combine(_root, "real");
        Directory.CreateDirectory(real, Private);
        Directory.CreateSymbolicLink(Home, real);

        var error = Assert.ThrowsAny<IOException>(() => SqlitePolicyStore.Open(Home).Dispose());

        Assert.StartsWith($"refusing RAMPART_HOME {Home}: it is a symbolic link", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(real));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static void Chown(string owner, string path)
    {
        using var chown = Process.Start(new ProcessStartInfo("chown", [owner, path]) { RedirectStandardError = true })!;
        var error = chown.StandardError.ReadToEnd();
        chown.WaitForExit();
        Assert.True(chown.ExitCode == 0, $"chown {owner} {path} failed (the test needs root): {error}");
    }
}
