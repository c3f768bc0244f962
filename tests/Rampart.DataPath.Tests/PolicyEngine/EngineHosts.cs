using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Rampart.Core.Algorithms;
using Rampart.Core.Filtering;
using Rampart.Core.SecurityAssociations;
using Rampart.DataPath.Buffers;
using Rampart.DataPath.Database;
using Rampart.DataPath.Packets;
using Rampart.DataPath.PolicyEngine;

namespace Rampart.DataPath.Tests.PolicyEngine;

/// <summary>
/// Host A (192.0.2.1) and host B (192.0.2.2), each with its own engine, SA database and the same fake clock,
/// and helpers that build policies and install SA pairs the way IKE would.
/// </summary>
internal sealed class EngineHosts : IDisposable
{
    public static readonly IPAddress AddressA = IPAddress.Parse("192.0.2.1");
    public static readonly IPAddress AddressB = IPAddress.Parse("192.0.2.2");
    private uint _nextSpi = 0x1000;

    public EngineHosts(DataPathEngineOptions? options = null)
    {
        DatabaseA = new SecurityAssociationDatabase(Time);
        DatabaseB = new SecurityAssociationDatabase(Time);
        A = new DataPathEngine(DatabaseA, options);
        B = new DataPathEngine(DatabaseB, options);

        // As the agent does once it has read its store: until then an engine drops everything that is not exempt.
        A.Apply(CompiledPolicy.None);
        B.Apply(CompiledPolicy.None);
    }

    public FakeTimeProvider Time { get; } = new();
    public SecurityAssociationDatabase DatabaseA { get; }
    public SecurityAssociationDatabase DatabaseB { get; }
    public DataPathEngine A { get; }
    public DataPathEngine B { get; }

    /// <summary>Rule 0 with one mirrored filter between <paramref name="me"/> and <paramref name="peer"/>.</summary>
    public static CompiledPolicy Policy(
        IPAddress me, IPAddress peer, FilterVerdict verdict, bool acceptUnsecured = false, bool fallbackToClear = false,
        byte? protocol = null, IPAddress? tunnelEndpoint = null)
    {
        var filter = new PacketFilter(AddressPrefix.Host(me), AddressPrefix.Host(peer), protocol, null, null, verdict, RuleIndex: 0, FilterIndex: 0);
        var rule = new CompiledRule(0, verdict, acceptUnsecured, fallbackToClear, tunnelEndpoint, "All IP Traffic", "Test Action");
        return new CompiledPolicy("Test Policy", new FilterTable([filter, filter.Mirror()]), [rule], DefaultResponse: false);
    }

    /// <summary>The binding a transport-mode rule-0 filter-0 SA pair serves on the host <paramref name="me"/>.</summary>
    public static Binding BindingOf(IPAddress me, IPAddress peer, int filterIndex = 0) =>
        new(0, filterIndex, AddressPrefix.ToNumber(me).Value, AddressPrefix.ToNumber(peer).Value, me.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6);

    /// <summary>Both SA pairs for the A-B binding, as quick mode would install them (AES-GCM-128, transport mode).</summary>
    public void InstallBindingPair(Binding bindingA, Binding bindingB, int replayWindow = 64)
    {
        var (aToB, bFromA) = SaPair(AddressA, AddressB, replayWindow);
        var (bToA, aFromB) = SaPair(AddressB, AddressA, replayWindow);
        A.InstallOutbound(bindingA, aToB, out _);
        Assert.True(A.InstallInbound(bindingA, aFromB, out _));
        B.InstallOutbound(bindingB, bToA, out _);
        Assert.True(B.InstallInbound(bindingB, bFromA, out _));
    }

    /// <summary>An outbound SA at <paramref name="local"/> and its inbound twin at <paramref name="remote"/>.</summary>
    public (SecurityAssociationSpec Outbound, SecurityAssociationSpec Inbound) SaPair(IPAddress local, IPAddress remote, int replayWindow = 64)
    {
        var outbound = new SecurityAssociationSpec
        {
            Spi = _nextSpi++,
            Direction = SaDirection.Outbound,
            LocalAddress = local,
            RemoteAddress = remote,
            Cipher = CipherAlgorithm.AesGcm128,
            CipherKey = new KeyMaterial(RandomNumberGenerator.GetBytes(AlgorithmCatalog.KeyMaterialLength(CipherAlgorithm.AesGcm128))),
            ReplayWindow = replayWindow,
        };
        return (outbound, outbound with { Direction = SaDirection.Inbound, LocalAddress = remote, RemoteAddress = local });
    }

    public static PacketBuffer Buffer(byte[] packet)
    {
        var buffer = new PacketBuffer();
        buffer.Load(packet);
        return buffer;
    }

    /// <summary>An ICMP echo request or reply, as ping sends it.</summary>
    public static byte[] Ping(IPAddress source, IPAddress destination, bool reply = false, ushort sequence = 1)
    {
        var packet = new byte[20 + 8 + 56];
        var span = packet.AsSpan();
        span[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], (ushort)packet.Length);
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], sequence);
        span[6] = 0x40;
        span[8] = 64;
        span[9] = 1;
        source.GetAddressBytes().CopyTo(span[12..]);
        destination.GetAddressBytes().CopyTo(span[16..]);
        InternetChecksum.SetIpv4HeaderChecksum(span[..20]);
        var icmp = span[20..];
        icmp[0] = reply ? (byte)0 : (byte)8;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[4..], 0x4242);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], sequence);
        for (var i = 8; i < icmp.Length; i++)
        {
            icmp[i] = (byte)i;
        }

        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], InternetChecksum.Finish(InternetChecksum.Add(0, icmp)));
        return packet;
    }

    /// <summary>A UDP packet between the given ports.</summary>
    public static byte[] Udp(IPAddress source, IPAddress destination, ushort sourcePort, ushort destinationPort, byte[]? payload = null)
    {
        var packet = Packets.Udp(source, destination, payload?.Length ?? 32);
        var headerLength = source.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 40 : 20;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(headerLength), sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(headerLength + 2), destinationPort);
        payload?.CopyTo(packet, headerLength + 8);
        return packet;
    }

    /// <summary>Sends <paramref name="packet"/> from A through both engines; returns both verdicts and what B delivers.</summary>
    public (PacketVerdict Out, PacketVerdict In, byte[] Delivered) SendAToB(byte[] packet) => Send(A, B, packet);

    public (PacketVerdict Out, PacketVerdict In, byte[] Delivered) SendBToA(byte[] packet) => Send(B, A, packet);

    public void Dispose()
    {
        DatabaseA.Dispose();
        DatabaseB.Dispose();
    }

    private static (PacketVerdict Out, PacketVerdict In, byte[] Delivered) Send(DataPathEngine from, DataPathEngine to, byte[] packet)
    {
        var buffer = Buffer(packet);
        var outbound = from.ProcessOutbound(buffer);
        if (outbound.Action is PacketAction.Drop or PacketAction.Held)
        {
            return (outbound, default, []);
        }

        var inbound = to.ProcessInbound(buffer);
        return (outbound, inbound, inbound.Action is PacketAction.Drop ? [] : buffer.Span.ToArray());
    }
}
