namespace Rampart.Core.Control;

/// <summary>The arguments of <c>rampart sa add</c> as the control socket carries them; <see cref="SecurityAssociations.ManualSaParser"/> reads them.</summary>
public sealed class SaAddArguments
{
    public string? Src { get; set; }

    public string? Dst { get; set; }

    public string Proto { get; set; } = "esp";

    public uint Spi { get; set; }

    public string Mode { get; set; } = "transport";

    public string? TunnelSrc { get; set; }

    public string? TunnelDst { get; set; }

    public string? Encap { get; set; }

    public string? Enc { get; set; }

    public string? Auth { get; set; }

    public string? Aead { get; set; }

    public int? ReplayWindow { get; set; }
}
