using System.Net;
using System.Net.Sockets;
using Rampart.DataPath.Linux;
using Rampart.Integration.Tests.Harness;

namespace Rampart.Integration.Tests.StandIn;

/// <summary>What the chains let through around the queues: exemptions in clear, unmarked clear traffic dropped.</summary>
[Collection(NetnsCollection.Name)]
public sealed class PolicyEnforcementTests
{
    [Fact]
    public void ClearPingFromSecuredPeer_WithoutDecapsulatedMark_IsDropped()
    {
        Prerequisites.Require("ping", "iptables");
        using var pair = new NetworkNamespacePair();
        pair.Own(new StandInHost(pair.B, NetworkNamespacePair.AddressA));

        var ping = NetworkNamespacePair.Exec(pair.A, "ping", "-c", "2", "-i", "0.2", "-W", "1", NetworkNamespacePair.AddressB);
        string guard = NetworkNamespacePair.Exec(pair.B, "iptables", "-nvx", "-L", "RAMPART-GUARD").EnsureSuccess("list guard").Output;

        Assert.NotEqual(0, ping.ExitCode);
        var dropLine = guard.Split('\n').Single(line => line.Contains("DROP", StringComparison.Ordinal));
        Assert.True(long.Parse(dropLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], System.Globalization.CultureInfo.InvariantCulture) >= 2, guard);
    }

    [Fact]
    public void IkeOnUdp500_BetweenSecuredHosts_PassesInClear()
    {
        Prerequisites.Require("tshark");
        using var pair = new NetworkNamespacePair();
        pair.Own(new StandInHost(pair.A, NetworkNamespacePair.AddressB));
        pair.Own(new StandInHost(pair.B, NetworkNamespacePair.AddressA));
        using var capture = new PacketCapture(pair, pair.A, NetworkNamespacePair.DeviceA, "ip");
        using var receiver = NetworkNamespace.Run(pair.B, () => new UdpClient(new IPEndPoint(IPAddress.Parse(NetworkNamespacePair.AddressB), 500)));
        using var sender = NetworkNamespace.Run(pair.A, () => new UdpClient(new IPEndPoint(IPAddress.Parse(NetworkNamespacePair.AddressA), 500)));
        receiver.Client.ReceiveTimeout = 3000;
        byte[] datagram = [1, 2, 3, 4, 5, 6, 7, 8];

        sender.Send(datagram, datagram.Length, new IPEndPoint(IPAddress.Parse(NetworkNamespacePair.AddressB), 500));
        IPEndPoint? from = null;
        byte[] received = receiver.Receive(ref from);
        capture.Stop();

        Assert.Equal(datagram, received);
        Assert.Single(capture.Fields("udp.port == 500"));
        Assert.Empty(capture.Fields("ip.proto == 253"));
    }
}
