using System.Net;
using Rampart.Core.Filtering;

namespace Rampart.Core.Tests.Filtering;

/// <summary>
/// What is never secured, by endpoint and direction. This host is 192.0.2.1 / 2001:db8::1; the peer 192.0.2.2.
/// Windows 2000 exempted anything with port 88, 389, 500 or 4500 on either side, which let a peer reach every local
/// UDP service in clear just by sending from one of those ports: these cases pin that hole shut.
/// </summary>
public sealed class ExemptTrafficTests
{
    private static readonly AddressPrefix AnyV4 = AddressPrefix.Any(false);
    private static readonly IPAddress Kdc = IPAddress.Parse("198.51.100.88");

    private static readonly FilterTable BlockAll = new(
        [
            new PacketFilter(AnyV4, AnyV4, null, null, null, FilterVerdict.Block, 0, 0),
            new PacketFilter(AddressPrefix.Any(true), AddressPrefix.Any(true), null, null, null, FilterVerdict.Block, 0, 0),
        ],
        new ExemptTraffic(new HashSet<UInt128> { AddressPrefix.ToNumber(IPAddress.Parse("192.0.2.255")).Value }));

    private static FlowKey Flow(string source, string destination, byte protocol = 17, ushort sourcePort = 0, ushort destinationPort = 0) => new(
        AddressPrefix.ToNumber(IPAddress.Parse(source)).Value, AddressPrefix.ToNumber(IPAddress.Parse(destination)).Value,
        IPAddress.Parse(source).AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6, protocol, sourcePort, destinationPort);

    [Theory]
    [InlineData(TrafficDirection.Outbound, "192.0.2.1", "192.0.2.2", 17, 500, 500)]      // our IKE socket to the peer's
    [InlineData(TrafficDirection.Outbound, "192.0.2.1", "192.0.2.2", 17, 500, 61000)]    // to a peer behind NAT
    [InlineData(TrafficDirection.Outbound, "192.0.2.1", "192.0.2.2", 17, 4500, 4500)]
    [InlineData(TrafficDirection.Inbound, "192.0.2.2", "192.0.2.1", 17, 500, 500)]       // to our IKE socket
    [InlineData(TrafficDirection.Inbound, "192.0.2.2", "192.0.2.1", 17, 61000, 500)]
    [InlineData(TrafficDirection.Inbound, "192.0.2.2", "192.0.2.1", 17, 4500, 4500)]
    [InlineData(TrafficDirection.Outbound, "192.0.2.1", "192.0.2.2", 46, 0, 0)]
    [InlineData(TrafficDirection.Inbound, "192.0.2.2", "192.0.2.1", 46, 0, 0)]
    [InlineData(TrafficDirection.Outbound, "192.0.2.1", "224.0.0.5", 1, 0, 0)]
    [InlineData(TrafficDirection.Inbound, "192.0.2.2", "255.255.255.255", 17, 68, 67)]
    [InlineData(TrafficDirection.Inbound, "192.0.2.2", "192.0.2.255", 17, 137, 137)]
    [InlineData(TrafficDirection.Outbound, "2001:db8::1", "ff02::1", 58, 0, 0)]
    public void IkeRsvpBroadcastAndMulticast_AreNeverSecured(TrafficDirection direction, string source, string destination, byte protocol, ushort sourcePort, ushort destinationPort)
    {
        Assert.Equal(FilterDecisionKind.Exempt, BlockAll.Classify(Flow(source, destination, protocol, sourcePort, destinationPort), direction).Kind);
    }

    [Theory]
    [InlineData(TrafficDirection.Inbound, 17, 500, 7)]       // the Windows 2000 hole: from the peer's IKE port to a local service
    [InlineData(TrafficDirection.Inbound, 17, 4500, 53)]
    [InlineData(TrafficDirection.Inbound, 17, 88, 161)]
    [InlineData(TrafficDirection.Inbound, 17, 389, 5353)]
    [InlineData(TrafficDirection.Inbound, 6, 88, 22)]
    [InlineData(TrafficDirection.Inbound, 17, 40000, 88)]    // no KDC runs here, and Kerberos is exempt only as a client
    [InlineData(TrafficDirection.Inbound, 17, 40000, 389)]
    [InlineData(TrafficDirection.Outbound, 17, 7, 500)]      // a local service answering the peer's port 500: not our IKE socket
    [InlineData(TrafficDirection.Outbound, 17, 53, 4500)]
    [InlineData(TrafficDirection.Outbound, 17, 40000, 88)]   // no KDC configured
    [InlineData(TrafficDirection.Outbound, 17, 40000, 389)]  // no directory configured
    [InlineData(TrafficDirection.Inbound, 6, 40000, 500)]    // IKE is UDP
    public void PeerPortsAndUnconfiguredServers_AreNotExempt(TrafficDirection direction, byte protocol, ushort peerOrSourcePort, ushort otherPort)
    {
        var flow = direction == TrafficDirection.Inbound
            ? Flow("192.0.2.2", "192.0.2.1", protocol, peerOrSourcePort, otherPort)
            : Flow("192.0.2.1", "192.0.2.2", protocol, peerOrSourcePort, otherPort);

        var decision = BlockAll.Classify(flow, direction);

        Assert.Equal(FilterVerdict.Block, decision.Filter?.Verdict);
    }

    [Fact]
    public void ConfiguredKdc_IsExemptOnlyAsAClientOfThatServer()
    {
        var exemptions = new ExemptTraffic(servers: [ExemptServer.OnDefaultPort(ExemptService.Kerberos, Kdc)]);
        var table = new FilterTable([new PacketFilter(AnyV4, AnyV4, null, null, null, FilterVerdict.Block, 0, 0)], exemptions);

        Assert.True(exemptions.IsExempt(Flow("192.0.2.1", "198.51.100.88", 17, 40000, 88), TrafficDirection.Outbound));
        Assert.True(exemptions.IsExempt(Flow("192.0.2.1", "198.51.100.88", 6, 40000, 88), TrafficDirection.Outbound));
        Assert.True(exemptions.IsExempt(Flow("198.51.100.88", "192.0.2.1", 17, 88, 40000), TrafficDirection.Inbound));
        Assert.Equal(FilterDecisionKind.Matched, table.Classify(Flow("192.0.2.1", "198.51.100.99", 17, 40000, 88), TrafficDirection.Outbound).Kind);
        Assert.Equal(FilterDecisionKind.Matched, table.Classify(Flow("198.51.100.99", "192.0.2.1", 17, 88, 40000), TrafficDirection.Inbound).Kind);
        Assert.Equal(FilterDecisionKind.Matched, table.Classify(Flow("198.51.100.88", "192.0.2.1", 17, 40000, 88), TrafficDirection.Inbound).Kind);
        Assert.Equal(FilterDecisionKind.Matched, table.Classify(Flow("192.0.2.1", "198.51.100.88", 17, 40000, 389), TrafficDirection.Outbound).Kind);
    }

    [Fact]
    public void Describe_ListsEveryExemption_AndSaysWhenNoKdcOrDirectoryIsConfigured()
    {
        var none = ExemptTraffic.Default.Describe();
        Assert.Equal(["IKE", "Kerberos", "LDAP", "broadcast", "multicast", "RSVP", "IPv6 neighbour discovery", "loopback"], none.Select(e => e.Name));
        Assert.Equal("none: no KDC configured", none.Single(e => e.Name == "Kerberos").Traffic);
        Assert.Equal("none: no directory configured", none.Single(e => e.Name == "LDAP").Traffic);
        Assert.EndsWith("192.0.2.255", BlockAll.Exemptions.Describe().Single(e => e.Name == "broadcast").Traffic, StringComparison.Ordinal);

        var joined = new ExemptTraffic(servers: [new ExemptServer(ExemptService.Kerberos, Kdc, 8888), ExemptServer.OnDefaultPort(ExemptService.Ldap, IPAddress.Parse("2001:db8::389"))]).Describe();
        Assert.Contains("198.51.100.88:8888", joined.Single(e => e.Name == "Kerberos").Traffic, StringComparison.Ordinal);
        Assert.Contains("[2001:db8::389]:389", joined.Single(e => e.Name == "LDAP").Traffic, StringComparison.Ordinal);
    }

    [Fact]
    public void IsExempt_AllocatesNothing()
    {
        var exemptions = new ExemptTraffic(servers: [ExemptServer.OnDefaultPort(ExemptService.Kerberos, Kdc)]);
        var flow = Flow("192.0.2.2", "192.0.2.1", 17, 500, 7);
        exemptions.IsExempt(flow, TrafficDirection.Inbound);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            exemptions.IsExempt(flow, TrafficDirection.Inbound);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
