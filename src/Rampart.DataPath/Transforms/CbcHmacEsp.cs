using System.Security.Cryptography;
using Rampart.Core.Algorithms;

namespace Rampart.DataPath.Transforms;

/// <summary>
/// A CBC block cipher with a random explicit IV (AES-CBC RFC 3602; legacy DES/3DES-CBC RFC 2405/2451) and
/// encrypt-then-MAC HMAC integrity over SPI..trailer (RFC 4303 §3.3.2). Integrity None gives encryption-only
/// ESP, which RFC 4303 permits but policies never offer; it exists for manual SAs and the RFC 3602 vectors.
/// </summary>
public sealed class CbcHmacEsp : IEspTransform
{
    private readonly SymmetricAlgorithm _cipher;
    private readonly HmacIcv? _icv;

    public CbcHmacEsp(CipherAlgorithm cipher, ReadOnlySpan<byte> cipherKey, IntegrityAlgorithm integrity, ReadOnlySpan<byte> integrityKey)
    {
        _cipher = cipher switch
        {
            CipherAlgorithm.AesCbc128 or CipherAlgorithm.AesCbc256 => Aes.Create(),
            CipherAlgorithm.TripleDes => TripleDES.Create(),
            CipherAlgorithm.Des => DES.Create(),
            _ => throw new ArgumentOutOfRangeException(nameof(cipher), "not a CBC cipher"),
        };
        var key = cipherKey.ToArray();
        _cipher.Key = key;
        CryptographicOperations.ZeroMemory(key);
        _icv = integrity == IntegrityAlgorithm.None ? null : new HmacIcv(integrity, integrityKey);
        IvLength = _cipher.BlockSize / 8;
    }

    public int IvLength { get; }

    public int IcvLength => _icv?.IcvLength ?? 0;

    public int PadAlignment => IvLength;

    public void WriteIv(Span<byte> iv, ulong sequence) => RandomNumberGenerator.Fill(iv);

    public void Seal(Span<byte> espPacket, bool extendedSequenceNumbers, uint sequenceHigh)
    {
        var iv = espPacket.Slice(EspLayout.HeaderLength, IvLength);
        var text = espPacket[(EspLayout.HeaderLength + IvLength)..^IcvLength];
        _cipher.EncryptCbc(text, iv, text, PaddingMode.None);
        if (_icv is not null)
        {
            var covered = espPacket[..^IcvLength];
            _icv.Append(covered);
            if (extendedSequenceNumbers)
            {
                _icv.AppendSequenceHigh(sequenceHigh);
            }

            _icv.Finish(espPacket[^IcvLength..]);
        }
    }

    public PacketStatus Open(Span<byte> espPacket, bool extendedSequenceNumbers, uint sequenceHigh)
    {
        var textLength = espPacket.Length - EspLayout.HeaderLength - IvLength - IcvLength;
        if (textLength < IvLength)
        {
            return PacketStatus.Truncated;
        }

        if (_icv is not null)
        {
            _icv.Append(espPacket[..^IcvLength]);
            if (extendedSequenceNumbers)
            {
                _icv.AppendSequenceHigh(sequenceHigh);
            }

            if (!_icv.FinishAndVerify(espPacket[^IcvLength..]))
            {
                return PacketStatus.AuthenticationFailed;
            }
        }

        if (textLength % IvLength != 0)
        {
            return PacketStatus.DecryptFailed;
        }

        var iv = espPacket.Slice(EspLayout.HeaderLength, IvLength);
        var text = espPacket.Slice(EspLayout.HeaderLength + IvLength, textLength);
        _cipher.DecryptCbc(text, iv, text, PaddingMode.None);
        return PacketStatus.Ok;
    }

    public void Dispose()
    {
        _cipher.Dispose();
        _icv?.Dispose();
    }
}
