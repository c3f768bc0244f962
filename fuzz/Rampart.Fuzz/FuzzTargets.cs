using Rampart.Fuzz.Targets;

namespace Rampart.Fuzz;

/// <summary>Every target, by the name <c>fuzz/run.sh</c> takes.</summary>
internal static class FuzzTargets
{
    public static IReadOnlyList<string> Names { get; } = ["ike-parse", "ike-engine", "esp", "policy-import", "control"];

    public static IFuzzTarget? Create(string name) => name switch
    {
        "ike-parse" => new IkeParseTarget(),
        "ike-engine" => new IkeEngineTarget(),
        "esp" => new EspTarget(),
        "policy-import" => new PolicyImportTarget(),
        "control" => new ControlTarget(),
        _ => null,
    };
}
