using System.Text.Json;
using Rampart.Lab;

namespace Rampart.Cli.Tests;

/// <summary>
/// <c>rampart realm join/show/leave</c> and <c>realm peer add/remove</c> against a keytab exported by a real private MIT
/// realm (<see cref="KerberosRealm"/>: needs root and Debian's krb5-kdc and krb5-admin-server; fails without them).
/// </summary>
public sealed class RealmCliTests : IDisposable
{
    private readonly RampartProcess _rampart = new();
    private readonly KerberosRealm _realm = new();
    private readonly string _keytab;

    public RealmCliTests()
    {
        _realm.AddHost("a.rampart.test");
        _keytab = _realm.ExportKeytab("a.rampart.test");
    }

    private string KerberosDirectory => Path.Combine(_rampart.Home, "kerberos");

    [Fact]
    public void JoinShowLeave_RoundTrip()
    {
        var joined = _rampart.Ok("realm", "join", "RAMPART.TEST", "--kdc", "198.51.100.88", "--keytab", _keytab, "--peer", "192.0.2.2=b.rampart.test");

        Assert.Equal("joined realm RAMPART.TEST as host/a.rampart.test@RAMPART.TEST, KDC 198.51.100.88:88", joined.Trim());
        Assert.Equal(File.ReadAllBytes(_keytab), File.ReadAllBytes(Path.Combine(KerberosDirectory, "host.keytab")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(KerberosDirectory, "host.keytab")));

        var shown = _rampart.Ok("realm", "show");
        Assert.Contains("Realm:         RAMPART.TEST", shown, StringComparison.Ordinal);
        Assert.Contains("Principal:     host/a.rampart.test@RAMPART.TEST", shown, StringComparison.Ordinal);
        Assert.Contains("  192.0.2.2 = host/b.rampart.test@RAMPART.TEST", shown, StringComparison.Ordinal);

        using (var json = JsonDocument.Parse(_rampart.Ok("realm", "show", "--json")))
        {
            var root = json.RootElement;
            Assert.True(root.GetProperty("joined").GetBoolean());
            Assert.Equal("198.51.100.88:88", root.GetProperty("kdc").GetString());
            Assert.Equal("host/a.rampart.test@RAMPART.TEST", root.GetProperty("principal").GetString());
            Assert.Equal(Path.Combine(KerberosDirectory, "host.keytab"), root.GetProperty("keytab").GetString());
            var peer = Assert.Single(root.GetProperty("peers").EnumerateArray());
            Assert.Equal("192.0.2.2", peer.GetProperty("address").GetString());
            Assert.Equal("host/b.rampart.test@RAMPART.TEST", peer.GetProperty("principal").GetString());
        }

        // klist reads the copied keytab as its own.
        var klist = Tool.Run("klist", "-k", Path.Combine(KerberosDirectory, "host.keytab")).EnsureSuccess();
        Assert.Contains("host/a.rampart.test@RAMPART.TEST", klist.Output, StringComparison.Ordinal);

        Assert.Equal("left realm RAMPART.TEST", _rampart.Ok("realm", "leave").Trim());
        Assert.Empty(Directory.EnumerateFileSystemEntries(KerberosDirectory));
        Assert.StartsWith("not a member of a realm", _rampart.Ok("realm", "show"), StringComparison.Ordinal);
        using var after = JsonDocument.Parse(_rampart.Ok("realm", "show", "--json"));
        Assert.False(after.RootElement.GetProperty("joined").GetBoolean());
    }

    [Theory]
    [InlineData("RAMPART.TEST", "--kdc", "kdc.rampart.test", "invalid KDC 'kdc.rampart.test'")]
    [InlineData("rampart.test", "--kdc", "198.51.100.88", "invalid realm 'rampart.test'")]
    [InlineData("RAMPART.TEST", "--principal", "host/b.rampart.test@RAMPART.TEST", "holds no key for host/b.rampart.test@RAMPART.TEST (it holds: host/a.rampart.test@RAMPART.TEST)")]
    [InlineData("RAMPART.TEST", "--peer", "192.0.2.2=b.rampart.test\n[realms]", "invalid host name 'b.rampart.test?[realms]'")]
    public void Join_WithBadInput_ExitsOne_AndStoresNothing(string realm, string option, string value, string reason)
    {
        string[] kdc = option == "--kdc" ? [] : ["--kdc", "198.51.100.88"];

        var result = _rampart.Run(["realm", "join", realm, "--keytab", _keytab, option, value, .. kdc]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(reason, result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(KerberosDirectory));
    }

    [Fact]
    public void Join_WithoutKdc_IsAUsageError()
    {
        var result = _rampart.Run("realm", "join", "RAMPART.TEST", "--keytab", _keytab);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--kdc", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void PeerAddRemove_ChangeTheNames_AndNeedAMembership()
    {
        var notJoined = _rampart.Run("realm", "peer", "add", "192.0.2.3=c.rampart.test");
        Assert.Equal(1, notJoined.ExitCode);
        Assert.Contains("not a member of a realm", notJoined.Stderr, StringComparison.Ordinal);

        _rampart.Ok("realm", "join", "RAMPART.TEST", "--kdc", "198.51.100.88:88", "--keytab", _keytab);
        _rampart.Ok("realm", "peer", "add", "192.0.2.3=c.rampart.test");
        Assert.Contains("  192.0.2.3 = host/c.rampart.test@RAMPART.TEST", _rampart.Ok("realm", "show"), StringComparison.Ordinal);

        _rampart.Ok("realm", "peer", "remove", "192.0.2.3");
        Assert.DoesNotContain("192.0.2.3", _rampart.Ok("realm", "show"), StringComparison.Ordinal);
        Assert.Equal(1, _rampart.Run("realm", "peer", "remove", "192.0.2.3").ExitCode);
    }

    public void Dispose()
    {
        _rampart.Dispose();
        _realm.Dispose();
    }
}
