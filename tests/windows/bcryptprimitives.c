/*
 * Test scaffolding, never shipped: a stand-in for Windows' bcryptprimitives.dll, which Wine 8.0
 * (Debian 12) lacks. Rust's std (1.78 and later) imports ProcessPrng from it for random numbers,
 * so without this DLL every Rust program fails to start under that Wine (status c0000135).
 * Every Windows 10 and 11 has the real DLL. tests/windows.rs builds this file with
 * `zig cc -target x86_64-windows-gnu -shared ... -ladvapi32` into the test run's WINEPREFIX.
 *
 * ProcessPrng's contract (as std uses it): fill `data` with `len` random bytes; it always
 * returns TRUE. RtlGenRandom (exported by advapi32 as SystemFunction036) takes a ULONG length,
 * so larger requests are filled in pieces.
 */
#include <windows.h>
#include <ntsecapi.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG piece = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!RtlGenRandom(data, piece))
            return FALSE;
        data += piece;
        len -= piece;
    }
    return TRUE;
}
