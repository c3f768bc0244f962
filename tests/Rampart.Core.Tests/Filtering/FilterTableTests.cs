using System.Net;
using Rampart.Core.Filtering;

namespace Rampart.Core.Tests.Filtering;

public class FilterTableTests
{
    private static readonly AddressPrefix Me = AddressPrefix.Host(IPAddress.Parse("192.0.2.1"));
    private static readonly AddressPrefix Partner = AddressPrefix.Host(IPAddress.Parse("192.0.2.2"));
    private static readonly AddressPrefix AnyV4 = AddressPrefix.Any(isIPv6: false);

    private static FlowKey Flow(string source, string destination, byte protocol = 1, ushort sourcePort = 0, ushort destinationPort = 0) => new(
        AddressPrefix.ToNumber(IPAddress.Parse(source)).Value, AddressPrefix.ToNumber(IPAddress.Parse(destination)).Value,
        IPAddress.Parse(source).AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6, protocol, sourcePort, destinationPort);

    [Fact]
    public void Match_MoreSpecificFilterWins_RegardlessOfRuleOrder()
    {
        var broad = new PacketFilter(Me, AnyV4, null, null, null, FilterVerdict.Negotiate, RuleIndex: 0, FilterIndex: 0);
        var specific = new PacketFilter(Me, Partner, 6, null, 80, FilterVerdict.Permit, RuleIndex: 1, FilterIndex: 0);
        var table = new FilterTable([broad, specific]);

        Assert.Equal(1, table.Match(Flow("192.0.2.1", "192.0.2.2", 6, 40000, 80)));
        Assert.Equal(0, table.Match(Flow("192.0.2.1", "192.0.2.2", 6, 40000, 81)));
        Assert.Equal(0, table.Match(Flow("192.0.2.1", "198.51.100.7", 1)));
        Assert.Equal(-1, table.Match(Flow("198.51.100.7", "192.0.2.1", 1)));
    }

    [Fact]
    public void Match_EqualWeight_BlockBeatsNegotiateBeatsPermit()
    {
        var permit = new PacketFilter(Me, Partner, null, null, null, FilterVerdict.Permit, 0, 0);
        var negotiate = new PacketFilter(Me, Partner, null, null, null, FilterVerdict.Negotiate, 1, 0);
        var block = new PacketFilter(Me, Partner, null, null, null, FilterVerdict.Block, 2, 0);

        Assert.Equal(FilterVerdict.Negotiate, new FilterTable([permit, negotiate]).Classify(Flow("192.0.2.1", "192.0.2.2"), TrafficDirection.Outbound).Filter!.Verdict);
        Assert.Equal(FilterVerdict.Block, new FilterTable([permit, negotiate, block]).Classify(Flow("192.0.2.1", "192.0.2.2"), TrafficDirection.Outbound).Filter!.Verdict);
    }

    [Fact]
    public void Match_EqualWeightAcrossShapes_IsDecidedByVerdictThenRuleOrder()
    {
        // /24 -> host and host -> /24 have the same weight but different shapes.
        var subnetToHost = new PacketFilter(AddressPrefix.Network(IPNetwork.Parse("192.0.2.0/24")), Partner, null, null, null, FilterVerdict.Permit, 0, 0);
        var hostToSubnet = new PacketFilter(Me, AddressPrefix.Network(IPNetwork.Parse("192.0.2.0/24")), null, null, null, FilterVerdict.Negotiate, 1, 0);
        var table = new FilterTable([subnetToHost, hostToSubnet]);
        Assert.Equal(2, table.ShapeCount);
        Assert.Equal(1, table.Match(Flow("192.0.2.1", "192.0.2.2")));
    }

    [Fact]
    public void Mirror_SwapsAddressesAndPorts()
    {
        var filter = new PacketFilter(Me, Partner, 6, 1024, 80, FilterVerdict.Negotiate, 0, 0);
        var mirror = filter.Mirror();
        var table = new FilterTable([filter, mirror]);
        Assert.Equal(1, table.Match(Flow("192.0.2.2", "192.0.2.1", 6, 80, 1024)));
        Assert.True(mirror.IsMirrorImage);
        Assert.Equal(filter, mirror.Mirror());
    }

    [Fact]
    public void Classify_TcpToIkePort_IsNotExempt()
    {
        var table = new FilterTable([new PacketFilter(AnyV4, AnyV4, null, null, null, FilterVerdict.Negotiate, 0, 0)]);
        Assert.Equal(FilterDecisionKind.Matched, table.Classify(Flow("192.0.2.1", "192.0.2.2", 6, 40000, 500), TrafficDirection.Outbound).Kind);
    }

    [Fact]
    public void Match_TenThousandRandomFilters_AgreesWithBruteForce()
    {
        var random = new Random(2026);
        var filters = Enumerable.Range(0, 10_000).Select(i => RandomFilter(random, i)).ToList();
        var table = new FilterTable(filters);
        for (var i = 0; i < 5_000; i++)
        {
            var flow = new FlowKey(RandomAddress(random), RandomAddress(random), false,
                (byte)random.Next(1, 18), (ushort)random.Next(0, 4), (ushort)random.Next(0, 4));
            Assert.Equal(BruteForce(filters, flow), table.Match(flow));
        }
    }

    [Fact]
    public void Match_AllocatesNothing()
    {
        var random = new Random(1);
        var table = new FilterTable(Enumerable.Range(0, 1_000).Select(i => RandomFilter(random, i)));
        var flow = new FlowKey(RandomAddress(random), RandomAddress(random), false, 6, 1, 2);
        table.Match(flow);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            table.Match(flow);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    // Small address space (198.51.100.0/28) and few ports so random flows often hit random filters.
    private static UInt128 RandomAddress(Random random) => AddressPrefix.ToNumber(IPAddress.Parse("198.51.100.0")).Value + (uint)random.Next(16);

    private static PacketFilter RandomFilter(Random random, int index)
    {
        AddressPrefix RandomPrefix()
        {
            var length = (byte)(28 + random.Next(5));
            return new AddressPrefix(RandomAddress(random) & AddressPrefix.MaskFor(length, false), length, false);
        }

        var source = random.Next(8) == 0 ? AnyV4 : RandomPrefix();
        var destination = random.Next(8) == 0 ? AnyV4 : RandomPrefix();
        byte? protocol = random.Next(3) == 0 ? (byte)6 : random.Next(2) == 0 ? (byte)17 : null;
        ushort? sourcePort = protocol is not null && random.Next(3) == 0 ? (ushort)random.Next(0, 4) : null;
        ushort? destinationPort = protocol is not null && random.Next(3) == 0 ? (ushort)random.Next(0, 4) : null;
        return new PacketFilter(source, destination, protocol, sourcePort, destinationPort, (FilterVerdict)random.Next(3), random.Next(20), index);
    }

    private static int BruteForce(List<PacketFilter> filters, FlowKey flow)
    {
        var best = -1;
        for (var i = 0; i < filters.Count; i++)
        {
            if (!filters[i].Matches(flow))
            {
                continue;
            }

            if (best < 0 || (filters[i].Weight, -(int)filters[i].Verdict, -filters[i].RuleIndex, -i).CompareTo((filters[best].Weight, -(int)filters[best].Verdict, -filters[best].RuleIndex, -best)) > 0)
            {
                best = i;
            }
        }

        return best;
    }
}
