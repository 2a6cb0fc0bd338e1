"""Prints the requirements of installed distributions (torch, torchcodec, lhotse, installed with
--no-deps by scripts/setup --test) less what a CPU-only run never loads, one a line for
`pip install -r`.

PyPI's only Linux x86-64 torch is the CUDA build. Its libraries link the CUDA runtime wheels
(cudart, cuBLAS, cuDNN, cuFFT, cuSPARSE(Lt), cuFile, CUPTI, NCCL, NVRTC, nvJitLink, NVSHMEM),
so `import torch` fails without them, even on a machine without a GPU (measured). Three of its
requirements are not loaded on a CPU: triton (compiles GPU kernels), cuda-bindings (Python
bindings to the CUDA driver) and the cuSOLVER and NVTX parts of cuda-toolkit (cuSOLVER is
linked only by libtorch_cuda_linalg.so, which torch opens on the first CUDA linear algebra
call). Leaving them out saves about 0.5 GB of the download.

Usage: python3 cpu_torch_requirements.py DIST...
"""

import importlib.metadata
import re
import sys

from packaging.requirements import Requirement

NOT_LOADED_ON_CPU = {"triton", "cuda-bindings"}
CUDA_TOOLKIT_PARTS_NOT_LOADED = {"cusolver", "nvtx"}


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def main(names):
    given = {canonical(name) for name in names}
    for name in names:
        for text in importlib.metadata.requires(name) or []:
            requirement = Requirement(text)
            if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
                continue
            if canonical(requirement.name) in given | NOT_LOADED_ON_CPU:
                continue
            if canonical(requirement.name) == "cuda-toolkit":
                requirement.extras -= CUDA_TOOLKIT_PARTS_NOT_LOADED
            requirement.marker = None
            print(requirement)


if __name__ == "__main__":
    main(sys.argv[1:])
