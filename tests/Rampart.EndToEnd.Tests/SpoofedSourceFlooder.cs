using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Rampart.Lab;

namespace Rampart.EndToEnd.Tests;

/// <summary>
/// Sends UDP datagrams to port 500 from random 2001:db8::/32 source addresses, one per datagram, through a raw IPv6
/// socket (IPPROTO_RAW: we write the whole packet) opened inside a network namespace: the socket is created on a
/// thread that joined the namespace with setns(2), which affects that thread only. Needs root.
/// </summary>
public sealed class SpoofedSourceFlooder : IDisposable
{
    private const int UdpHeader = 8;
    private const int Ipv6Header = 40;
    private readonly Socket _socket;
    private readonly IPAddress _target;
    private Thread? _thread;
    private long _sent;

    public SpoofedSourceFlooder(string ns, IPAddress target)
    {
        _target = target;
        _socket = NetworkNamespace.Run(ns, () => new Socket(AddressFamily.InterNetworkV6, SocketType.Raw, ProtocolType.Raw));
    }

    /// <summary>Datagrams sent so far.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    public bool Running => _thread is { IsAlive: true };

    /// <summary>
    /// Starts sending <paramref name="count"/> datagrams at about <paramref name="perSecond"/>, each from a new random
    /// source outside 2001:db8::/64 (so the target's replies find no route and cost no neighbour discovery). Each
    /// payload is chosen by <paramref name="payload"/> from the datagram's number.
    /// </summary>
    public void Start(int count, int perSecond, Func<int, byte[]> payload)
    {
        _thread = new Thread(() => Run(count, perSecond, payload)) { IsBackground = true, Name = "spoofed flood" };
        _thread.Start();
    }

    public void Wait(TimeSpan timeout) => Assert.True(_thread?.Join(timeout) != false, "the flood did not finish in time");

    public void Dispose()
    {
        _thread?.Join();
        _socket.Dispose();
    }

    private void Run(int count, int perSecond, Func<int, byte[]> payload)
    {
        var random = new Random(42);
        var source = new byte[16];
        var destination = _target.GetAddressBytes();
        var packet = new byte[2048];
        var endpoint = new IPEndPoint(_target, 0);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            random.NextBytes(source);
            source[0] = 0x20;
            source[1] = 0x01;
            source[2] = 0x0d;
            source[3] = 0xb8;
            source[4] |= 0x80; // 2001:db8:8000::/33 and up: never the namespaces' own /64
            var body = payload(i);
            var length = Write(packet, source, destination, body);
            _socket.SendTo(packet.AsSpan(0, length), SocketFlags.None, endpoint);
            Interlocked.Increment(ref _sent);
            if (i % 256 == 255)
            {
                var due = TimeSpan.FromSeconds((double)(i + 1) / perSecond);
                if (due > clock.Elapsed)
                {
                    Thread.Sleep(due - clock.Elapsed);
                }
            }
        }
    }

    /// <summary>IPv6 header, UDP header (500 to 500, checksum over the pseudo-header), payload.</summary>
    private static int Write(byte[] packet, byte[] source, byte[] destination, byte[] body)
    {
        var udpLength = UdpHeader + body.Length;
        var span = packet.AsSpan();
        span[..Ipv6Header].Clear();
        span[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], (ushort)udpLength);
        span[6] = 17;
        span[7] = 64;
        source.CopyTo(span[8..]);
        destination.CopyTo(span[24..]);
        var udp = span.Slice(Ipv6Header, udpLength);
        BinaryPrimitives.WriteUInt16BigEndian(udp, 500);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], 500);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udpLength);
        udp[6] = 0;
        udp[7] = 0;
        body.CopyTo(udp[UdpHeader..]);

        ulong sum = 0;
        for (var i = 8; i < 40; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(span[i..]);
        }

        sum += (ulong)udpLength + 17;
        for (var i = 0; i + 1 < udpLength; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(udp[i..]);
        }

        if (udpLength % 2 == 1)
        {
            sum += (ulong)udp[udpLength - 1] << 8;
        }

        while (sum >> 16 != 0)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }

        var checksum = (ushort)~sum;
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], checksum == 0 ? (ushort)0xffff : checksum);
        return Ipv6Header + udpLength;
    }
}
