using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;
using Rampart.DataPath;
using Rampart.DataPath.Buffers;
using Rampart.DataPath.Database;
using Rampart.DataPath.Ipsec;
using Rampart.DataPath.Packets;

namespace Rampart.Benchmarks;

/// <summary>
/// ESP transport-mode protect (encrypt) and unprotect (decrypt) of one IPv4 packet, in place, as the data path
/// does it. Each operation includes re-loading the packet into the buffer (a memcpy of the packet size).
/// The decrypting SA has its replay window off so the same wire packet can be opened repeatedly.
/// </summary>
[MemoryDiagnoser]
public class EspBenchmarks : IDisposable
{
    private static readonly IPAddress HostA = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress HostB = IPAddress.Parse("192.0.2.2");
    private readonly PacketBuffer _buffer = new();
    private SecurityAssociationDatabase? _senderDatabase;
    private SecurityAssociationDatabase? _receiverDatabase;
    private IpsecProcessor? _sender;
    private IpsecProcessor? _receiver;
    private SecurityAssociation? _outbound;
    private byte[] _plain = [];
    private byte[] _wire = [];

    [Params("aes-gcm-128", "chacha20-poly1305", "aes-cbc-128/sha256")]
    public string Transform { get; set; } = "aes-gcm-128";

    /// <summary>Size of the IP packet before protection.</summary>
    [Params(64, 1400)]
    public int PacketSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var (cipher, integrity) = Transform switch
        {
            "aes-gcm-128" => (CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None),
            "chacha20-poly1305" => (CipherAlgorithm.ChaCha20Poly1305, IntegrityAlgorithm.None),
            _ => (CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256),
        };
        var outbound = new SecurityAssociationSpec
        {
            Spi = 0x1000,
            Direction = SaDirection.Outbound,
            LocalAddress = HostA,
            RemoteAddress = HostB,
            Cipher = cipher,
            CipherKey = new KeyMaterial(RandomNumberGenerator.GetBytes(AlgorithmCatalog.KeyMaterialLength(cipher))),
            Integrity = integrity,
            IntegrityKey = new KeyMaterial(RandomNumberGenerator.GetBytes(AlgorithmCatalog.HmacKeyLength(integrity))),
            Lifetime = SaLifetime.Unlimited,
        };
        var inbound = outbound with { Direction = SaDirection.Inbound, LocalAddress = HostB, RemoteAddress = HostA, ReplayWindow = 0 };
        _senderDatabase = new SecurityAssociationDatabase(TimeProvider.System);
        _receiverDatabase = new SecurityAssociationDatabase(TimeProvider.System);
        _outbound = _senderDatabase.AddOutbound(Binding.ForSelector(1), outbound, out _);
        _receiverDatabase.TryAddInbound(inbound, out _);
        _sender = new IpsecProcessor(_senderDatabase);
        _receiver = new IpsecProcessor(_receiverDatabase);
        _plain = BuildUdpPacket(PacketSize);
        _buffer.Load(_plain);
        if (_sender.Protect(_outbound, _buffer) != PacketStatus.Ok)
        {
            throw new InvalidOperationException("setup encryption failed");
        }

        _wire = _buffer.Span.ToArray();
    }

    [Benchmark]
    public PacketStatus EspEncrypt()
    {
        _buffer.Load(_plain);
        return _sender!.Protect(_outbound!, _buffer);
    }

    [Benchmark]
    public PacketStatus EspDecrypt()
    {
        _buffer.Load(_wire);
        return _receiver!.Unprotect(_buffer, out _);
    }

    public void Dispose()
    {
        _senderDatabase?.Dispose();
        _receiverDatabase?.Dispose();
        GC.SuppressFinalize(this);
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
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(24), (ushort)(size - 20));
        return packet;
    }
}
