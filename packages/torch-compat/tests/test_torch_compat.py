import torch

from vidpipe_torch_compat import ensure_torchvision, nms_cpu


def _boxes() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(7)
    corners = torch.rand(60, 2, generator=generator) * 100
    sizes = torch.rand(60, 2, generator=generator) * 40 + 1
    return torch.cat([corners, corners + sizes], dim=1), torch.rand(60, generator=generator)


def test_cpu_nms_keeps_the_best_of_overlapping_boxes() -> None:
    dets = torch.tensor([[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30.0]])
    scores = torch.tensor([0.8, 0.9, 0.7])
    assert nms_cpu(dets, scores, 0.5).tolist() == [1, 2]
    assert nms_cpu(dets, scores, 0.9).tolist() == [1, 0, 2]
    assert nms_cpu(torch.empty(0, 4), torch.empty(0), 0.5).numel() == 0


def test_torchvision_imports_and_its_nms_matches_the_reference() -> None:
    first = ensure_torchvision()
    assert ensure_torchvision() is first  # decided once
    import torchvision

    dets, scores = _boxes()
    kept = torchvision.ops.nms(dets, scores, 0.3)
    assert kept.tolist() == nms_cpu(dets, scores, 0.3).tolist()
    assert 0 < kept.numel() < len(dets)
    # batched_nms (what ultralytics calls) goes through the same op.
    classes = torch.zeros(len(dets), dtype=torch.long)
    assert torchvision.ops.batched_nms(dets, scores, classes, 0.3).tolist() == kept.tolist()


def test_the_fallback_is_registered_exactly_when_torchvisions_extension_did_not_load() -> None:
    fallback = ensure_torchvision()
    import torchvision.extension

    # With the CPU torch here, torchvision's CUDA extension cannot load and the fallback is in
    # use; where the extension loads (a GPU image), nothing is registered.
    assert fallback is (not torchvision.extension._has_ops())
