using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Rampart.Core.Algorithms;
using Rampart.Core.Filtering;
using Rampart.Core.SecurityAssociations;
using Rampart.DataPath;
using Rampart.DataPath.Buffers;
using Rampart.DataPath.Database;
using Rampart.DataPath.Ipsec;
using Rampart.DataPath.Packets;
using Rampart.DataPath.PolicyEngine;

namespace Rampart.Benchmarks;

/// <summary>
/// The data path decision engine with a 10,000-filter policy: classification alone (parse the flow, match the
/// filter table), and a whole outbound decision on a 1400-byte packet (parse, classify, find the binding's SA,
/// ESP AES-GCM-128 in place), and the inbound one (decrypt, then check the inner packet against policy).
/// Every operation re-loads the packet into the buffer (a 1400-byte memcpy).
/// </summary>
[MemoryDiagnoser]
public class PipelineBenchmarks : IDisposable
{
    private const int FilterCount = 10_000;
    private static readonly IPAddress HostA = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress HostB = IPAddress.Parse("192.0.2.2");
    private readonly PacketBuffer _buffer = new();
    private SecurityAssociationDatabase? _senderDatabase;
    private SecurityAssociationDatabase? _receiverDatabase;
    private DataPathEngine? _sender;
    private DataPathEngine? _receiver;
    private IpsecProcessor? _processor;
    private SecurityAssociation? _outbound;
    private CompiledPolicy _policy = CompiledPolicy.None;
    private byte[] _plain = [];
    private byte[] _wire = [];

    [GlobalSetup]
    public void Setup()
    {
        _policy = BuildPolicy(HostA, HostB);
        _senderDatabase = new SecurityAssociationDatabase(TimeProvider.System);
        _receiverDatabase = new SecurityAssociationDatabase(TimeProvider.System);
        _sender = new DataPathEngine(_senderDatabase);
        _receiver = new DataPathEngine(_receiverDatabase);
        _sender.Apply(_policy);
        _receiver.Apply(BuildPolicy(HostB, HostA));
        var outbound = new SecurityAssociationSpec
        {
            Spi = 0x1000,
            Direction = SaDirection.Outbound,
            LocalAddress = HostA,
            RemoteAddress = HostB,
            Cipher = CipherAlgorithm.AesGcm128,
            CipherKey = new KeyMaterial(RandomNumberGenerator.GetBytes(AlgorithmCatalog.KeyMaterialLength(CipherAlgorithm.AesGcm128))),
            Lifetime = SaLifetime.Unlimited,
        };

        // Replay window off at the receiver so one wire packet can be decrypted again and again.
        var inbound = outbound with { Direction = SaDirection.Inbound, LocalAddress = HostB, RemoteAddress = HostA, ReplayWindow = 0 };
        _outbound = _sender.InstallOutbound(BindingOf(HostA, HostB), outbound, out _);
        _processor = new IpsecProcessor(_senderDatabase);
        _receiver.InstallInbound(BindingOf(HostB, HostA), inbound, out _);
        _plain = BuildUdpPacket(1400);
        _buffer.Load(_plain);
        if (_sender.ProcessOutbound(_buffer).Action != PacketAction.AcceptModified)
        {
            throw new InvalidOperationException("setup protect failed");
        }

        _wire = _buffer.Span.ToArray();
    }

    [Benchmark]
    public FilterDecisionKind Classify()
    {
        return FlowKey.TryParse(_plain, out var flow) ? _policy.Filters.Classify(flow, TrafficDirection.Outbound).Kind : FilterDecisionKind.NoMatch;
    }

    /// <summary>The same protect without the engine, measured in the same run as the baseline.</summary>
    [Benchmark(Baseline = true)]
    public PacketStatus ProtectOnly()
    {
        _buffer.Load(_plain);
        return _processor!.Protect(_outbound!, _buffer);
    }

    [Benchmark]
    public PacketAction ClassifyAndProtect()
    {
        _buffer.Load(_plain);
        return _sender!.ProcessOutbound(_buffer).Action;
    }

    [Benchmark]
    public PacketAction UnprotectAndCheckPolicy()
    {
        _buffer.Load(_wire);
        return _receiver!.ProcessInbound(_buffer).Action;
    }

    public void Dispose()
    {
        _senderDatabase?.Dispose();
        _receiverDatabase?.Dispose();
        GC.SuppressFinalize(this);
    }

    private static Binding BindingOf(IPAddress me, IPAddress peer) =>
        new(0, 0, AddressPrefix.ToNumber(me).Value, AddressPrefix.ToNumber(peer).Value, false);

    /// <summary>
    /// Rule 0 negotiates everything between the two hosts (mirrored); rules 1 and 2 add 9,998 port filters to
    /// 203.0.113.0/24 (Permit and Block), the shape of a large server-farm policy.
    /// </summary>
    private static CompiledPolicy BuildPolicy(IPAddress me, IPAddress peer)
    {
        var negotiate = new PacketFilter(AddressPrefix.Host(me), AddressPrefix.Host(peer), null, null, null, FilterVerdict.Negotiate, 0, 0);
        var filters = new List<PacketFilter> { negotiate, negotiate.Mirror() };
        var farm = AddressPrefix.ToNumber(IPAddress.Parse("203.0.113.0")).Value;
        for (var i = 0; filters.Count < FilterCount; i++)
        {
            var server = new AddressPrefix(farm + (uint)(i % 256), 32, false);
            var rule = i % 2 == 0 ? 1 : 2;
            filters.Add(new PacketFilter(AddressPrefix.Host(me), server, FlowKey.Tcp, null, (ushort)(1 + (i / 256)), rule == 1 ? FilterVerdict.Permit : FilterVerdict.Block, rule, i));
        }

        CompiledRule[] rules =
        [
            new(0, FilterVerdict.Negotiate, false, false, null, "hosts", "Require Security"),
            new(1, FilterVerdict.Permit, false, false, null, "farm-permit", "Permit"),
            new(2, FilterVerdict.Block, false, false, null, "farm-block", "Block"),
        ];
        return new CompiledPolicy("Benchmark", new FilterTable(filters), rules, DefaultResponse: false);
    }

    private static byte[] BuildUdpPacket(int size)
    {
        var packet = new byte[size];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)size);
        packet[8] = 64;
        packet[9] = 17;
        HostA.GetAddressBytes().CopyTo(packet, 12);
        HostB.GetAddressBytes().CopyTo(packet, 16);
        InternetChecksum.SetIpv4HeaderChecksum(packet.AsSpan(0, 20));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(20), 40000);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(22), 9);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(24), (ushort)(size - 20));
        return packet;
    }
}
