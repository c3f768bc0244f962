using System.Buffers.Binary;
using Rampart.Ike.Crypto;
using Rampart.Ike.V1;
using Rampart.Ike.Wire;

namespace Rampart.Fuzz.Targets;

/// <summary>
/// Encrypts a fuzzed plaintext message with the keys of the engine's ISAKMP SA its cookies name, the way the peer
/// would: Main Mode with the phase 1 IV; quick mode and informational with the phase 2 IV and a correct HASH(1) in
/// front. So mutations of the payloads behind the encryption reach the handlers, not only the decryption check.
/// </summary>
internal static class IsakmpSealer
{
    /// <summary>The message encrypted, or null when it is too short or no established keys match its cookies.</summary>
    public static byte[]? Seal(IkeV1Engine engine, ReadOnlySpan<byte> message)
    {
        if (message.Length < IsakmpHeader.Size || Find(engine, message) is not { Cipher: { } cipher, Prf: { } prf } phase1)
        {
            return null;
        }

        var first = (PayloadType)message[16];
        var exchange = (ExchangeType)message[18];
        var messageId = BinaryPrimitives.ReadUInt32BigEndian(message[20..]);
        var rest = message[IsakmpHeader.Size..];
        byte[] plaintext;
        byte[] iv;
        if (exchange == ExchangeType.IdentityProtection)
        {
            plaintext = rest.ToArray();
            iv = phase1.Iv;
        }
        else
        {
            // HASH(1) covers the payload chain after it, without padding.
            var chain = new List<IsakmpPayload>();
            var covered = PayloadChain.TryParse(first, rest, chain, out var consumed, out _) ? rest[..consumed] : rest;
            var hash = IkeV1KeyDerivation.QuickModeHash1(prf, phase1.SkeyidA, messageId, covered);
            plaintext = new byte[IsakmpPayload.GenericHeaderSize + hash.Length + rest.Length];
            plaintext[0] = (byte)first;
            BinaryPrimitives.WriteUInt16BigEndian(plaintext.AsSpan(2), (ushort)(IsakmpPayload.GenericHeaderSize + hash.Length));
            hash.CopyTo(plaintext.AsSpan(IsakmpPayload.GenericHeaderSize));
            rest.CopyTo(plaintext.AsSpan(IsakmpPayload.GenericHeaderSize + hash.Length));
            first = PayloadType.Hash;
            iv = IkeV1KeyDerivation.Phase2Iv(prf, phase1.Iv, messageId, cipher.BlockSize);
        }

        var padded = cipher.PaddedLength(Math.Max(plaintext.Length, 1));
        var sealedMessage = new byte[IsakmpHeader.Size + padded];
        message[..IsakmpHeader.Size].CopyTo(sealedMessage);
        sealedMessage[16] = (byte)first;
        sealedMessage[19] |= (byte)IsakmpFlags.Encryption;
        BinaryPrimitives.WriteUInt32BigEndian(sealedMessage.AsSpan(24), (uint)sealedMessage.Length);
        var block = new byte[padded];
        plaintext.CopyTo(block, 0);
        cipher.Encrypt(block, iv, sealedMessage.AsSpan(IsakmpHeader.Size));
        return sealedMessage;
    }

    /// <summary>The plaintext form (header with the first payload after HASH, then that chain) of a sealed message.</summary>
    public static byte[]? Open(IkeV1Engine engine, ReadOnlySpan<byte> message)
    {
        if (message.Length < IsakmpHeader.Size || Find(engine, message) is not { Cipher: { } cipher, Prf: { } prf } phase1)
        {
            return null;
        }

        var messageId = BinaryPrimitives.ReadUInt32BigEndian(message[20..]);
        var iv = IkeV1KeyDerivation.Phase2Iv(prf, phase1.Iv, messageId, cipher.BlockSize);
        var decrypted = new byte[message.Length - IsakmpHeader.Size];
        var payloads = new List<IsakmpPayload>();
        if (!cipher.TryDecrypt(message[IsakmpHeader.Size..], iv, decrypted)
            || !PayloadChain.TryParse((PayloadType)message[16], decrypted, payloads, out var consumed, out _)
            || payloads is not [HashPayload hash, ..])
        {
            return null;
        }

        var afterHash = IsakmpPayload.GenericHeaderSize + hash.Data.Length;
        var plain = new byte[IsakmpHeader.Size + consumed - afterHash];
        message[..IsakmpHeader.Size].CopyTo(plain);
        plain[16] = decrypted[0];
        plain[19] &= unchecked((byte)~IsakmpFlags.Encryption);
        BinaryPrimitives.WriteUInt32BigEndian(plain.AsSpan(24), (uint)plain.Length);
        decrypted.AsSpan(afterHash, consumed - afterHash).CopyTo(plain.AsSpan(IsakmpHeader.Size));
        return plain;
    }

    /// <summary>The plaintext form of an encrypted Main Mode message (MM5, MM6) of <paramref name="phase1"/>, given its IV.</summary>
    public static byte[]? OpenMainMode(Phase1Sa phase1, ReadOnlySpan<byte> message, byte[] iv)
    {
        if (phase1.Cipher is not { } cipher || message.Length <= IsakmpHeader.Size)
        {
            return null;
        }

        var decrypted = new byte[message.Length - IsakmpHeader.Size];
        var payloads = new List<IsakmpPayload>();
        if (!cipher.TryDecrypt(message[IsakmpHeader.Size..], iv, decrypted)
            || !PayloadChain.TryParse((PayloadType)message[16], decrypted, payloads, out var consumed, out _))
        {
            return null;
        }

        var plain = new byte[IsakmpHeader.Size + consumed];
        message[..IsakmpHeader.Size].CopyTo(plain);
        plain[19] &= unchecked((byte)~IsakmpFlags.Encryption);
        BinaryPrimitives.WriteUInt32BigEndian(plain.AsSpan(24), (uint)plain.Length);
        decrypted.AsSpan(0, consumed).CopyTo(plain.AsSpan(IsakmpHeader.Size));
        return plain;
    }

    private static Phase1Sa? Find(IkeV1Engine engine, ReadOnlySpan<byte> message)
    {
        var cookieI = BinaryPrimitives.ReadUInt64BigEndian(message);
        var cookieR = BinaryPrimitives.ReadUInt64BigEndian(message[8..]);
        foreach (var phase1 in engine.IsakmpSas())
        {
            if (phase1.CookieI == cookieI && phase1.CookieR == cookieR)
            {
                return phase1;
            }
        }

        return null;
    }
}
