using System.Buffers.Binary;
using System.Net;
using Rampart.Ike.Wire;

namespace Rampart.Ike.Crypto;

/// <summary>The RFC 2409 key derivations and authentication hashes, one method per formula.</summary>
public static class IkeV1KeyDerivation
{
    /// <summary>SKEYID = prf(pre-shared-key, Ni_b | Nr_b) (RFC 2409 §5).</summary>
    public static byte[] SkeyidPreSharedKey(IkePrf prf, ReadOnlySpan<byte> preSharedKey, ReadOnlySpan<byte> nonceI, ReadOnlySpan<byte> nonceR)
    {
        using var h = prf.Begin(preSharedKey);
        h.AppendData(nonceI);
        h.AppendData(nonceR);
        return h.GetHashAndReset();
    }

    /// <summary>SKEYID = prf(Ni_b | Nr_b, g^xy) for signature authentication (RFC 2409 §5).</summary>
    public static byte[] SkeyidSignature(IkePrf prf, ReadOnlySpan<byte> nonceI, ReadOnlySpan<byte> nonceR, ReadOnlySpan<byte> sharedSecret) =>
        prf.Compute([.. nonceI, .. nonceR], sharedSecret);

    /// <summary>SKEYID_d, SKEYID_a, SKEYID_e = prf(SKEYID, [previous |] g^xy | CKY-I | CKY-R | 0/1/2).</summary>
    public static (byte[] D, byte[] A, byte[] E) SkeyidChildren(IkePrf prf, ReadOnlySpan<byte> skeyid, ReadOnlySpan<byte> sharedSecret, ulong cookieI, ulong cookieR)
    {
        Span<byte> cookies = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(cookies, cookieI);
        BinaryPrimitives.WriteUInt64BigEndian(cookies[8..], cookieR);
        using var h = prf.Begin(skeyid);
        byte[] previous = [];
        var results = new byte[3][];
        for (byte i = 0; i < 3; i++)
        {
            h.AppendData(previous);
            h.AppendData(sharedSecret);
            h.AppendData(cookies);
            h.AppendData([i]);
            previous = h.GetHashAndReset();
            results[i] = previous;
        }

        return (results[0], results[1], results[2]);
    }

    /// <summary>
    /// The IKE SA encryption key (RFC 2409 §5.3, Appendix B): the first bytes of SKEYID_e, or when it is too short
    /// Ka = K1 | K2 | ... with K1 = prf(SKEYID_e, 0) and Kn = prf(SKEYID_e, Kn-1).
    /// </summary>
    public static byte[] EncryptionKey(IkePrf prf, ReadOnlySpan<byte> skeyidE, int keyLength)
    {
        if (skeyidE.Length >= keyLength)
        {
            return skeyidE[..keyLength].ToArray();
        }

        var key = new byte[keyLength];
        byte[] block = [0];
        for (var offset = 0; offset < keyLength; offset += block.Length)
        {
            block = prf.Compute(skeyidE, block);
            block.AsSpan(0, Math.Min(block.Length, keyLength - offset)).CopyTo(key.AsSpan(offset));
        }

        return key;
    }

    /// <summary>HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b) (RFC 2409 §5).</summary>
    public static byte[] HashI(IkePrf prf, ReadOnlySpan<byte> skeyid, ReadOnlySpan<byte> publicI, ReadOnlySpan<byte> publicR, ulong cookieI, ulong cookieR, ReadOnlySpan<byte> saBody, ReadOnlySpan<byte> idBody) =>
        AuthHash(prf, skeyid, publicI, publicR, cookieI, cookieR, saBody, idBody);

    /// <summary>HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b) (RFC 2409 §5).</summary>
    public static byte[] HashR(IkePrf prf, ReadOnlySpan<byte> skeyid, ReadOnlySpan<byte> publicI, ReadOnlySpan<byte> publicR, ulong cookieI, ulong cookieR, ReadOnlySpan<byte> saBody, ReadOnlySpan<byte> idBody) =>
        AuthHash(prf, skeyid, publicR, publicI, cookieR, cookieI, saBody, idBody);

    /// <summary>Phase 1 IV = hash(g^xi | g^xr), truncated to the block size (RFC 2409 Appendix B).</summary>
    public static byte[] InitialIv(IkePrf prf, ReadOnlySpan<byte> publicI, ReadOnlySpan<byte> publicR, int blockSize)
    {
        using var h = prf.BeginHash();
        h.AppendData(publicI);
        h.AppendData(publicR);
        return h.GetHashAndReset()[..blockSize];
    }

    /// <summary>IV of a phase 2 or informational exchange = hash(last phase 1 CBC block | M-ID) (RFC 2409 Appendix B).</summary>
    public static byte[] Phase2Iv(IkePrf prf, ReadOnlySpan<byte> lastPhase1Block, uint messageId, int blockSize)
    {
        Span<byte> id = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(id, messageId);
        using var h = prf.BeginHash();
        h.AppendData(lastPhase1Block);
        h.AppendData(id);
        return h.GetHashAndReset()[..blockSize];
    }

    /// <summary>Quick Mode HASH(1) and informational HASH(1) = prf(SKEYID_a, M-ID | payloads after HASH) (RFC 2409 §5.5, §5.7).</summary>
    public static byte[] QuickModeHash1(IkePrf prf, ReadOnlySpan<byte> skeyidA, uint messageId, ReadOnlySpan<byte> rest)
    {
        Span<byte> id = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(id, messageId);
        using var h = prf.Begin(skeyidA);
        h.AppendData(id);
        h.AppendData(rest);
        return h.GetHashAndReset();
    }

    /// <summary>Quick Mode HASH(2) = prf(SKEYID_a, M-ID | Ni_b | payloads after HASH) (RFC 2409 §5.5).</summary>
    public static byte[] QuickModeHash2(IkePrf prf, ReadOnlySpan<byte> skeyidA, uint messageId, ReadOnlySpan<byte> nonceI, ReadOnlySpan<byte> rest)
    {
        Span<byte> id = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(id, messageId);
        using var h = prf.Begin(skeyidA);
        h.AppendData(id);
        h.AppendData(nonceI);
        h.AppendData(rest);
        return h.GetHashAndReset();
    }

    /// <summary>Quick Mode HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b) (RFC 2409 §5.5).</summary>
    public static byte[] QuickModeHash3(IkePrf prf, ReadOnlySpan<byte> skeyidA, uint messageId, ReadOnlySpan<byte> nonceI, ReadOnlySpan<byte> nonceR)
    {
        Span<byte> id = stackalloc byte[5];
        id[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(id[1..], messageId);
        using var h = prf.Begin(skeyidA);
        h.AppendData(id);
        h.AppendData(nonceI);
        h.AppendData(nonceR);
        return h.GetHashAndReset();
    }

    /// <summary>
    /// KEYMAT = K1 | K2 | ... with K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b) and
    /// Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b) (RFC 2409 §5.5). SPI is the receiver's.
    /// Pass an empty <paramref name="pfsSharedSecret"/> without PFS.
    /// </summary>
    public static byte[] Keymat(IkePrf prf, ReadOnlySpan<byte> skeyidD, ReadOnlySpan<byte> pfsSharedSecret, ProtocolId protocol, uint spi, ReadOnlySpan<byte> nonceI, ReadOnlySpan<byte> nonceR, int length)
    {
        Span<byte> protocolAndSpi = stackalloc byte[5];
        protocolAndSpi[0] = (byte)protocol;
        BinaryPrimitives.WriteUInt32BigEndian(protocolAndSpi[1..], spi);
        var keymat = new byte[length];
        using var h = prf.Begin(skeyidD);
        byte[] previous = [];
        for (var offset = 0; offset < length; offset += previous.Length)
        {
            h.AppendData(previous);
            h.AppendData(pfsSharedSecret);
            h.AppendData(protocolAndSpi);
            h.AppendData(nonceI);
            h.AppendData(nonceR);
            previous = h.GetHashAndReset();
            previous.AsSpan(0, Math.Min(previous.Length, length - offset)).CopyTo(keymat.AsSpan(offset));
        }

        return keymat;
    }

    /// <summary>NAT-D = HASH(CKY-I | CKY-R | IP | Port) (RFC 3947 §3.2).</summary>
    public static byte[] NatDiscoveryHash(IkePrf prf, ulong cookieI, ulong cookieR, IPEndPoint endpoint)
    {
        Span<byte> buffer = stackalloc byte[16 + 16 + 2];
        BinaryPrimitives.WriteUInt64BigEndian(buffer, cookieI);
        BinaryPrimitives.WriteUInt64BigEndian(buffer[8..], cookieR);
        endpoint.Address.TryWriteBytes(buffer[16..], out var written);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[(16 + written)..], (ushort)endpoint.Port);
        using var h = prf.BeginHash();
        h.AppendData(buffer[..(16 + written + 2)]);
        return h.GetHashAndReset();
    }

    private static byte[] AuthHash(IkePrf prf, ReadOnlySpan<byte> skeyid, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, ulong cookieFirst, ulong cookieSecond, ReadOnlySpan<byte> saBody, ReadOnlySpan<byte> idBody)
    {
        Span<byte> cookies = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(cookies, cookieFirst);
        BinaryPrimitives.WriteUInt64BigEndian(cookies[8..], cookieSecond);
        using var h = prf.Begin(skeyid);
        h.AppendData(first);
        h.AppendData(second);
        h.AppendData(cookies);
        h.AppendData(saBody);
        h.AppendData(idBody);
        return h.GetHashAndReset();
    }
}
