namespace Rampart.Core.SecurityAssociations;

/// <summary>
/// SA lifetimes; zero means "no limit". Soft limits ask the agent to rekey, hard limits end the SA
/// (the byte hard limit is enforced on every packet).
/// </summary>
public sealed record SaLifetime(long SoftSeconds, long HardSeconds, long SoftBytes, long HardBytes)
{
    /// <summary>The quick mode default of the walkthrough: 900 s hard, rekey 10% earlier, no byte limit.</summary>
    public static SaLifetime Default { get; } = new(810, 900, 0, 0);

    public static SaLifetime Unlimited { get; } = new(0, 0, 0, 0);

    public bool IsValid(out string? error)
    {
        error = (SoftSeconds, HardSeconds, SoftBytes, HardBytes) switch
        {
            _ when SoftSeconds < 0 || HardSeconds < 0 || SoftBytes < 0 || HardBytes < 0 => "lifetimes must not be negative",
            _ when HardSeconds > 0 && SoftSeconds > HardSeconds => "soft seconds exceed hard seconds",
            _ when HardBytes > 0 && SoftBytes > HardBytes => "soft bytes exceed hard bytes",
            _ => null,
        };
        return error is null;
    }
}
