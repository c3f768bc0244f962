using System.Net;
using Microsoft.Extensions.Time.Testing;
using Rampart.Credentials.Kerberos;

namespace Rampart.Credentials.Tests.Kerberos;

/// <summary>Realm membership in a temporary RAMPART_HOME: what join writes, what it refuses (writing nothing), leave, peers.</summary>
public sealed class RealmMembershipStoreTests : IDisposable
{
    private const string Realm = "RAMPART.TEST";
    private const string HostA = "host/a.rampart.test@RAMPART.TEST";
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly string _root = Directory.CreateTempSubdirectory("rampart-realm-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 18, 0, 0, TimeSpan.Zero));

    private string Home => Path.Combine(_root, "home");

    private RealmMembershipStore Store => new(Home, _time);

    [Fact]
    public void Join_CopiesTheKeytab0600_WritesTheConfiguration_AndLoadsBack()
    {
        var keytab = KeytabBuilder.Write(_root, (HostA, 2, 18));

        var joined = Store.Join(Realm, "198.51.100.88", keytab, null, ["192.0.2.2=B.rampart.test"]);

        Assert.Equal(HostA, joined.Principal.ToString());
        var files = Store.Files;
        Assert.Equal(File.ReadAllBytes(keytab), File.ReadAllBytes(files.Keytab));
        foreach (var file in new[] { files.Keytab, files.Configuration, files.Membership })
        {
            Assert.Equal(Private, File.GetUnixFileMode(file));
        }

        Assert.Equal(Private | UnixFileMode.UserExecute, File.GetUnixFileMode(files.Directory));
        Assert.Empty(Directory.EnumerateFiles(files.Directory, "*.new-*"));
        var loaded = Store.Load()!;
        Assert.Equal(Realm, loaded.Realm);
        Assert.Equal("198.51.100.88:88", loaded.Kdc.ToString());
        Assert.Equal(HostA, loaded.Principal.ToString());
        Assert.Equal(_time.GetUtcNow(), loaded.JoinedAt);
        Assert.Equal("b.rampart.test", Assert.Single(loaded.Peers, p => p.Key.Equals(IPAddress.Parse("192.0.2.2"))).Value);
        Assert.Contains("kdc = 198.51.100.88:88", File.ReadAllText(files.Configuration), StringComparison.Ordinal);
    }

    [Fact]
    public void Join_WithoutPrincipal_AndSeveralHostPrincipals_AsksForOne()
    {
        var keytab = KeytabBuilder.Write(_root, (HostA, 2, 18), ("host/b.rampart.test@RAMPART.TEST", 2, 18));

        var error = Assert.Throws<RealmMembershipException>(() => Store.Join(Realm, "198.51.100.88", keytab, null, []));

        Assert.Contains("choose one with --principal", error.Message, StringComparison.Ordinal);
        Assert.Equal("host/b.rampart.test@RAMPART.TEST", Store.Join(Realm, "198.51.100.88", keytab, "host/b.rampart.test@RAMPART.TEST", []).Principal.ToString());
    }

    public static TheoryData<string, string, string?, string[], string> Refusals => new()
    {
        { "rampart.test", "198.51.100.88", null, [], "invalid realm 'rampart.test'" },
        { Realm, "kdc.rampart.test", null, [], "invalid KDC 'kdc.rampart.test'" },
        { Realm, "198.51.100.88", "host/b.rampart.test@RAMPART.TEST", [], "holds no key for host/b.rampart.test@RAMPART.TEST (it holds: host/a.rampart.test@RAMPART.TEST)" },
        { Realm, "198.51.100.88", "host/a.rampart.test@OTHER.TEST", [], "is not in realm RAMPART.TEST" },
        { Realm, "198.51.100.88", "host/a\n}@RAMPART.TEST", [], "invalid host name 'a?}'" },
        { Realm, "198.51.100.88", null, ["192.0.2.2"], "invalid peer '192.0.2.2': expected ADDR=NAME" },
        { Realm, "198.51.100.88", null, ["192.0.2.2=b rampart"], "invalid host name 'b rampart'" },
        { Realm, "198.51.100.88", null, ["b.rampart.test=192.0.2.2"], "invalid peer address 'b.rampart.test'" },
        { "OTHER.TEST", "198.51.100.88", null, [], "holds no host/NAME@OTHER.TEST principal" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Join_RefusesBadInput_AndStoresNothing(string realm, string kdc, string? principal, string[] peers, string reason)
    {
        var keytab = KeytabBuilder.Write(_root, (HostA, 2, 18));

        var error = Assert.Throws<RealmMembershipException>(() => Store.Join(realm, kdc, keytab, principal, peers));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Home), "nothing may be written before the input is checked");
    }

    [Fact]
    public void Join_WithAFileThatIsNotAKeytab_OrMissing_IsRefused()
    {
        var passwd = Assert.Throws<RealmMembershipException>(() => Store.Join(Realm, "198.51.100.88", "/etc/passwd", null, []));
        var missing = Assert.Throws<RealmMembershipException>(() => Store.Join(Realm, "198.51.100.88", Path.Combine(_root, "none.keytab"), null, []));

        Assert.Equal("keytab /etc/passwd is not readable as a keytab: not a Kerberos keytab (expected version 0x0502)", passwd.Message);
        Assert.StartsWith("cannot read keytab ", missing.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Home));
    }

    [Fact]
    public void Join_AgainWithABadKeytab_KeepsTheOldMembership()
    {
        Store.Join(Realm, "198.51.100.88", KeytabBuilder.Write(_root, (HostA, 2, 18)), null, []);
        var before = File.ReadAllBytes(Store.Files.Keytab);

        Assert.Throws<RealmMembershipException>(() => Store.Join(Realm, "198.51.100.99", KeytabBuilder.Write(_root, ("host/z@RAMPART.TEST", 2, 18)), HostA, []));

        Assert.Equal(before, File.ReadAllBytes(Store.Files.Keytab));
        Assert.Equal("198.51.100.88:88", Store.Load()!.Kdc.ToString());
    }

    [Fact]
    public void Join_ThroughALinkPlantedInTheKerberosDirectory_IsRefused()
    {
        Store.Join(Realm, "198.51.100.88", KeytabBuilder.Write(_root, (HostA, 2, 18)), null, []);
        File.Delete(Store.Files.Keytab);
        var target = Path.Combine(_root, "elsewhere");
        File.CreateSymbolicLink(Store.Files.Keytab, target);

        Assert.ThrowsAny<IOException>(() => Store.Join(Realm, "198.51.100.88", KeytabBuilder.Write(_root, (HostA, 2, 18)), null, []));
        Assert.False(File.Exists(target));
    }

    [Fact]
    public void Leave_RemovesEverything_AndLeavingTwiceIsRefused()
    {
        Store.Join(Realm, "198.51.100.88", KeytabBuilder.Write(_root, (HostA, 2, 18)), null, []);

        Assert.Equal(Realm, Store.Leave());

        Assert.Null(Store.Load());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Store.Files.Directory));
        Assert.Contains("not a member of a realm", Assert.Throws<RealmMembershipException>(() => Store.Leave()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Peers_AddReplaceRemove_AndRefuseUnknownAddresses()
    {
        Store.Join(Realm, "198.51.100.88", KeytabBuilder.Write(_root, (HostA, 2, 18)), null, []);

        Store.AddPeer("192.0.2.2=b.rampart.test");
        Store.AddPeer("::ffff:192.0.2.2=c.rampart.test");
        Store.AddPeer("2001:db8::2=b.rampart.test");

        var peers = Store.Load()!.Peers;
        Assert.Equal("c.rampart.test", peers[IPAddress.Parse("192.0.2.2")]);
        Assert.Equal("b.rampart.test", peers[IPAddress.Parse("2001:db8::2")]);
        Assert.Contains("c.rampart.test = RAMPART.TEST", File.ReadAllText(Store.Files.Configuration), StringComparison.Ordinal);

        Store.RemovePeer("192.0.2.2");
        Assert.Equal([IPAddress.Parse("2001:db8::2")], Store.Load()!.Peers.Keys);
        Assert.Equal("no peer name is set for 192.0.2.9", Assert.Throws<RealmMembershipException>(() => Store.RemovePeer("192.0.2.9")).Message);
    }

    [Fact]
    public void Load_ADamagedMembership_SaysSo()
    {
        Store.Join(Realm, "198.51.100.88", KeytabBuilder.Write(_root, (HostA, 2, 18)), null, []);
        File.WriteAllText(Store.Files.Membership, """{"realm":"RAMPART.TEST","kdc":"198.51.100.88:88\n kdc = 203.0.113.1","principal":"host/a.rampart.test@RAMPART.TEST","peers":{},"joinedAt":"2026-12-03T18:00:00Z"}""");

        var error = Assert.Throws<InvalidDataException>(() => Store.Load());

        Assert.Contains("is damaged", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
