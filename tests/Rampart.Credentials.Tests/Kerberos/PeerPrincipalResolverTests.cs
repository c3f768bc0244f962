using System.Net;
using Rampart.Credentials.Kerberos;

namespace Rampart.Credentials.Tests.Kerberos;

public sealed class PeerPrincipalResolverTests
{
    private static readonly RealmMembership Membership = new(
        "RAMPART.TEST",
        new KdcEndpoint(IPAddress.Parse("198.51.100.88"), 88),
        HostPrincipal.For("a.rampart.test", "RAMPART.TEST"),
        new Dictionary<IPAddress, string> { [IPAddress.Parse("192.0.2.2")] = "b.rampart.test" },
        DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task AMappedAddress_IsItsMapping_WithoutALookup()
    {
        var resolver = new PeerPrincipalResolver(Membership, (_, _) => throw new InvalidOperationException("no lookup expected"));

        var result = await resolver.ResolveAsync(IPAddress.Parse("::ffff:192.0.2.2"));

        Assert.Equal("host/b.rampart.test@RAMPART.TEST", result.Principal!.ToString());
        Assert.Equal(PeerNameSource.Mapping, result.Source);
    }

    [Fact]
    public async Task AnUnmappedAddress_IsTheResolversName_LowerCase()
    {
        var asked = new List<IPAddress>();
        var resolver = new PeerPrincipalResolver(Membership, (address, _) =>
        {
            asked.Add(address);
            return Task.FromResult<string?>("C.Rampart.Test.");
        });

        var result = await resolver.ResolveAsync(IPAddress.Parse("192.0.2.3"));

        Assert.Equal("host/c.rampart.test@RAMPART.TEST", result.Principal!.ToString());
        Assert.Equal(PeerNameSource.Resolver, result.Source);
        Assert.Equal([IPAddress.Parse("192.0.2.3")], asked);
    }

    [Theory]
    [InlineData(null, "no host name for 192.0.2.3 (add it to /etc/hosts or DNS, or map it: rampart realm peer add 192.0.2.3=NAME)")]
    [InlineData("192.0.2.3", "no host name for 192.0.2.3")]
    [InlineData("evil\nname", "the name of 192.0.2.3 is not usable: invalid host name 'evil?name'")]
    [InlineData("x@OTHER.TEST", "the name of 192.0.2.3 is not usable")]
    public async Task NoNameOrAHostileName_IsNoPrincipal_WithTheReason(string? name, string reason)
    {
        var resolver = new PeerPrincipalResolver(Membership, (_, _) => Task.FromResult(name));

        var result = await resolver.ResolveAsync(IPAddress.Parse("192.0.2.3"));

        Assert.Null(result.Principal);
        Assert.StartsWith(reason, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSystemResolver_NamesLoopbackFromEtcHosts()
    {
        Assert.Contains("localhost", File.ReadAllText("/etc/hosts"), StringComparison.Ordinal);

        var result = await new PeerPrincipalResolver(Membership).ResolveAsync(IPAddress.Loopback);

        Assert.Equal("host/localhost@RAMPART.TEST", result.Principal!.ToString());
    }
}
