using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Agent.Ike;

namespace Rampart.Agent.Tests;

public class IkeTransportTests
{
    private static readonly byte[] Message = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08];

    [Fact]
    public async Task NatTraversalPort_AddsAndStripsTheNonEspMarker_AndDropsEspInUdp()
    {
        await using var a = new IkeTransport(NullLogger<IkeTransport>.Instance, ikePort: 0, natTraversalPort: 0);
        var receivedByA = Channel.CreateUnbounded<IkeDatagram>();
        a.Start(d => receivedByA.Writer.TryWrite(d));
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var peerEndPoint = (IPEndPoint)peer.LocalEndPoint!;

        // Sent from 4500: the peer sees the zero marker in front of the message.
        a.Send(Message, peerEndPoint, natTraversal: true);
        var buffer = new byte[64];
        var received = await peer.ReceiveAsync(buffer);
        Assert.Equal([0, 0, 0, 0, .. Message], buffer[..received]);

        // ESP-in-UDP (non-zero SPI where the marker would be) is not IKE: dropped and counted.
        var natPort = new IPEndPoint(IPAddress.Loopback, a.PortOf(natTraversal: true));
        await peer.SendToAsync(new byte[] { 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1 }, natPort);
        // A NAT keepalive keeps the mapping open: counted, never handed to IKE.
        await peer.SendToAsync(new byte[] { 0xFF }, natPort);
        // An IKE message with the marker arrives without it, flagged as NAT traversal, with both addresses.
        await peer.SendToAsync((byte[])[0, 0, 0, 0, .. Message], natPort);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var datagram = await receivedByA.Reader.ReadAsync(timeout.Token);
        Assert.Equal(Message, datagram.Message.ToArray());
        Assert.True(datagram.NatTraversal);
        Assert.Equal(peerEndPoint, datagram.Remote);
        Assert.Equal(IPAddress.Loopback, datagram.Local.Address);
        Assert.Equal(1, a.DroppedNonIke);
        Assert.Equal(1, a.Keepalives);
        Assert.False(receivedByA.Reader.TryRead(out _));
    }

    [Fact]
    public async Task IkePort_CarriesMessagesAsTheyAre()
    {
        await using var a = new IkeTransport(NullLogger<IkeTransport>.Instance, ikePort: 0, natTraversalPort: 0);
        var receivedByA = Channel.CreateUnbounded<IkeDatagram>();
        a.Start(d => receivedByA.Writer.TryWrite(d));
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await peer.SendToAsync(Message, new IPEndPoint(IPAddress.Loopback, a.PortOf(natTraversal: false)));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var datagram = await receivedByA.Reader.ReadAsync(timeout.Token);
        Assert.Equal(Message, datagram.Message.ToArray());
        Assert.False(datagram.NatTraversal);

        a.Send(Message, (IPEndPoint)peer.LocalEndPoint!, natTraversal: false);
        var buffer = new byte[64];
        Assert.Equal(Message, buffer[..await peer.ReceiveAsync(buffer)]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Send_FromALocalAddress_LeavesFromThatAddress_NotTheRoutesPreferredSource(bool natTraversal)
    {
        // Loopback owns all of 127/8; without IP_PKTINFO the kernel would pick 127.0.0.1 for a reply to 127.0.0.1.
        var local = IPAddress.Parse("127.0.0.2");
        await using var a = new IkeTransport(NullLogger<IkeTransport>.Instance, ikePort: 0, natTraversalPort: 0);
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));

        a.Send(Message, (IPEndPoint)peer.LocalEndPoint!, natTraversal, local);
        var buffer = new byte[64];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = await peer.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
        Assert.Equal(new IPEndPoint(local, a.PortOf(natTraversal)), received.RemoteEndPoint);
        Assert.Equal(natTraversal ? [0, 0, 0, 0, .. Message] : Message, buffer[..received.ReceivedBytes]);
    }

    [Fact]
    public async Task Send_FromAnIPv6LocalAddress_Arrives()
    {
        await using var a = new IkeTransport(NullLogger<IkeTransport>.Instance, ikePort: 0, natTraversalPort: 0);
        using var peer = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));

        a.Send(Message, (IPEndPoint)peer.LocalEndPoint!, natTraversal: false, IPAddress.IPv6Loopback);
        var buffer = new byte[64];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = await peer.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.IPv6Any, 0), timeout.Token);
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, a.PortOf(natTraversal: false, AddressFamily.InterNetworkV6)), received.RemoteEndPoint);
        Assert.Equal(Message, buffer[..received.ReceivedBytes]);
    }

    [Fact]
    public async Task Dispose_AfterStart_WakesTheBlockedReceiveThreads()
    {
        var a = new IkeTransport(NullLogger<IkeTransport>.Instance, ikePort: 0, natTraversalPort: 0);
        var delivered = 0;
        a.Start(_ => Interlocked.Increment(ref delivered));
        await Task.Delay(100);

        await Task.Run(async () => await a.DisposeAsync()).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, delivered);
    }
}
