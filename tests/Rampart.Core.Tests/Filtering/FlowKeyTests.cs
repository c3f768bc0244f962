using System.Net;
using Rampart.Core.Filtering;

namespace Rampart.Core.Tests.Filtering;

public class FlowKeyTests
{
    // 192.0.2.1:40000 -> 192.0.2.2:80 TCP, 20-byte header, no options.
    private static byte[] Ipv4Tcp(ushort fragmentField = 0) =>
    [
        0x45, 0x00, 0x00, 0x28, 0x12, 0x34, (byte)(fragmentField >> 8), (byte)fragmentField, 0x40, 0x06, 0x00, 0x00,
        192, 0, 2, 1, 192, 0, 2, 2,
        0x9C, 0x40, 0x00, 0x50, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x02, 0xFF, 0xFF, 0, 0, 0, 0,
    ];

    [Fact]
    public void TryParse_Ipv4Tcp_ReadsAddressesProtocolAndPorts()
    {
        Assert.True(FlowKey.TryParse(Ipv4Tcp(), out var flow));
        Assert.False(flow.IsIPv6);
        Assert.Equal(AddressPrefix.ToNumber(IPAddress.Parse("192.0.2.1")).Value, flow.Source);
        Assert.Equal(AddressPrefix.ToNumber(IPAddress.Parse("192.0.2.2")).Value, flow.Destination);
        Assert.Equal(6, flow.Protocol);
        Assert.Equal(40000, flow.SourcePort);
        Assert.Equal(80, flow.DestinationPort);
    }

    [Fact]
    public void TryParse_Ipv4NonFirstFragment_HasNoPorts()
    {
        Assert.True(FlowKey.TryParse(Ipv4Tcp(fragmentField: 0x0010), out var flow));
        Assert.Equal(0, flow.SourcePort);
        Assert.Equal(0, flow.DestinationPort);
    }

    [Fact]
    public void TryParse_Ipv6UdpBehindHopByHop_WalksExtensionHeaders()
    {
        var packet = new byte[40 + 8 + 8];
        packet[0] = 0x60;
        packet[6] = 0; // hop-by-hop
        IPAddress.Parse("2001:db8::1").TryWriteBytes(packet.AsSpan(8), out _);
        IPAddress.Parse("2001:db8::2").TryWriteBytes(packet.AsSpan(24), out _);
        packet[40] = 17; // next: UDP
        packet[41] = 0;  // 8 bytes
        packet[48] = 0x01; packet[49] = 0xF4; // 500
        packet[50] = 0x11; packet[51] = 0x94; // 4500
        Assert.True(FlowKey.TryParse(packet, out var flow));
        Assert.True(flow.IsIPv6);
        Assert.Equal(17, flow.Protocol);
        Assert.Equal(500, flow.SourcePort);
        Assert.Equal(4500, flow.DestinationPort);
    }

    [Fact]
    public void TryParse_EveryTruncation_FailsOrParsesWithoutThrowing()
    {
        var packet = Ipv4Tcp();
        for (var length = 0; length < 20; length++)
        {
            Assert.False(FlowKey.TryParse(packet.AsSpan(0, length), out _));
        }

        Assert.False(FlowKey.TryParse([0x75, 0, 0, 0], out _));
        var random = new Random(7);
        var buffer = new byte[64];
        for (var i = 0; i < 10_000; i++)
        {
            random.NextBytes(buffer);
            _ = FlowKey.TryParse(buffer.AsSpan(0, random.Next(buffer.Length)), out _);
        }
    }
}
