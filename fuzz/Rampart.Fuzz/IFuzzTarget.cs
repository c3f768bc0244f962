namespace Rampart.Fuzz;

/// <summary>
/// One fuzz target: takes arbitrary bytes and must return normally. An exception escaping <see cref="Run"/> is a crash
/// (hostile input reached code that did not expect it); so is a broken invariant, which targets throw as
/// <see cref="FuzzInvariantException"/>.
/// </summary>
internal interface IFuzzTarget
{
    string Name { get; }

    void Run(ReadOnlySpan<byte> input);

    /// <summary>A small corpus of valid inputs to start from (real packets and documents).</summary>
    IEnumerable<(string Name, byte[] Input)> Seeds();
}

/// <summary>A target's consistency check failed (e.g. a parsed message does not re-serialise to itself).</summary>
internal sealed class FuzzInvariantException(string message) : Exception(message);
