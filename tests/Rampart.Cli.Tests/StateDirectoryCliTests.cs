using System.Diagnostics;

namespace Rampart.Cli.Tests;

/// <summary>
/// Commands refuse a RAMPART_HOME someone other than root could control, and links planted in it, with a message
/// that names the path and the problem; nothing is written. Needs root (it hands directories to nobody).
/// </summary>
public sealed class StateDirectoryCliTests : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode Everyone = (UnixFileMode)0x1FF; // 0777

    private readonly RampartProcess _rampart = new();

    private string Home => _rampart.Home;

    [Fact]
    public void PolicyCreate_InAHomeWritableByOthers_IsRefused_AndTheHomeStaysAsItWas()
    {
        Directory.CreateDirectory(Home);
        File.SetUnixFileMode(Home, Everyone);

        var result = _rampart.Run("policy", "create", "Partner");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"rampart: refusing RAMPART_HOME {Home}: it is writable by group or others (mode 0777); run chmod 700 {Home}", result.Stderr.Trim());
        Assert.Equal(Everyone, File.GetUnixFileMode(Home));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Home));
    }

    [Fact]
    public void PolicyAssign_InAHomeOwnedByNobody_IsRefused()
    {
        Directory.CreateDirectory(Home, Private);
        Chown("65534", Home);

        var result = _rampart.Run("policy", "assign", "Client");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"rampart: refusing RAMPART_HOME {Home}: it is owned by uid 65534, not root; run chown root: {Home}", result.Stderr.Trim());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Home));
    }

    [Fact]
    public void SaAdd_ToASocketInAHomeOwnedByNobody_SendsNoKey()
    {
        Directory.CreateDirectory(Home, Private);
        using var impostor = new FakeAgent(Home, _ => FakeAgent.Ok(null));
        Chown("65534", Home);

        var result = _rampart.Run("sa", "add", "--src", "192.0.2.1", "--dst", "192.0.2.2", "--spi", "4096", "--aead", "aes-gcm-128:00112233445566778899aabbccddeeff01020304");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"refusing RAMPART_HOME {Home}: it is owned by uid 65534", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(impostor.Requests);
    }

    [Fact]
    public void PolicyList_WithALinkPlantedAtPolicyDb_IsRefused_AndWritesNothingThroughIt()
    {
        Directory.CreateDirectory(Home, Private);
        var victim = Path.Combine(Path.GetDirectoryName(Home)!, "victim");
        File.WriteAllBytes(victim, []);
        var link = Path.Combine(Home, "policy.db");
        File.CreateSymbolicLink(link, victim);

        var result = _rampart.Run("policy", "list");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"rampart: refusing RAMPART_HOME {Home}: {link} is a symbolic link (to {victim}); remove it", result.Stderr.Trim());
        Assert.Equal(0, new FileInfo(victim).Length);
    }

    public void Dispose() => _rampart.Dispose();

    private static void Chown(string owner, string path)
    {
        using var chown = Process.Start(new ProcessStartInfo("chown", [owner, path]) { RedirectStandardError = true })!;
        var error = chown.StandardError.ReadToEnd();
        chown.WaitForExit();
        Assert.True(chown.ExitCode == 0, $"chown {owner} {path} failed (the test needs root): {error}");
    }
}
