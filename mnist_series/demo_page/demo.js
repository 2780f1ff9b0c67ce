// Draw a digit: the page of mnist_series/demo.py. The pad is sent as a PNG picture while
// you draw (at most one request at a time, the latest drawing next); the answer shows the
// 28 x 28 image the model read and its ten probabilities.
"use strict";

const pad = document.getElementById("pad");
const pen = pad.getContext("2d");
const seen = document.getElementById("seen").getContext("2d");
const choice = document.getElementById("model");
const statusLine = document.getElementById("status");
const digit = document.getElementById("digit");
const confidence = document.getElementById("confidence");
const bars = document.getElementById("bars");
const PEN_WIDTH = 24; // pixels of the 280 x 280 pad: strokes about as thick as MNIST's
const PAUSE = 80; // milliseconds between two readings while the pen moves

let drawing = false; // the pen is down
let inked = false; // something is drawn
let last = null; // the pen's last point
let waiting = false; // a reading is on its way
let again = false; // the drawing changed while it was
let timer = null;

function clearPad() {
  pen.fillStyle = "#fff";
  pen.fillRect(0, 0, pad.width, pad.height);
  inked = false;
  show(null);
  statusLine.textContent = "";
}

function point(event) {
  const box = pad.getBoundingClientRect();
  return [(event.clientX - box.left) * pad.width / box.width,
          (event.clientY - box.top) * pad.height / box.height];
}

function strokeTo(to) {
  pen.strokeStyle = "#000";
  pen.lineWidth = PEN_WIDTH;
  pen.lineCap = "round";
  pen.lineJoin = "round";
  pen.beginPath();
  pen.moveTo(last[0], last[1]);
  pen.lineTo(to[0], to[1]);
  pen.stroke();
  last = to;
  inked = true;
}

pad.addEventListener("pointerdown", (event) => {
  event.preventDefault();
  pad.setPointerCapture(event.pointerId);
  drawing = true;
  last = point(event);
  strokeTo(last); // a dot where the pen touches
  soon();
});
pad.addEventListener("pointermove", (event) => {
  if (!drawing) return;
  for (const each of event.getCoalescedEvents ? event.getCoalescedEvents() : [event]) {
    strokeTo(point(each));
  }
  soon();
});
for (const type of ["pointerup", "pointercancel"]) {
  pad.addEventListener(type, () => {
    if (!drawing) return;
    drawing = false;
    clearTimeout(timer);
    timer = null;
    read();
  });
}

function soon() {
  if (timer === null) timer = setTimeout(() => { timer = null; read(); }, PAUSE);
}

function read() {
  if (!inked) return;
  if (waiting) { again = true; return; }
  waiting = true;
  document.body.dataset.reading = "yes";
  pad.toBlob(async (picture) => {
    try {
      const answer = await fetch("read?model=" + encodeURIComponent(choice.value), {
        method: "POST", body: picture, headers: {"Content-Type": "image/png"},
      });
      if (answer.ok) {
        show(await answer.json());
        statusLine.textContent = "";
      } else {
        show(null);
        statusLine.textContent = (await answer.text()).trim();
      }
    } catch (error) {
      statusLine.textContent = "The server does not answer: is make demo still running?";
    } finally {
      waiting = false;
      if (again) { again = false; read(); } else { document.body.dataset.reading = "no"; }
    }
  }, "image/png");
}

function show(answer) {
  seen.fillStyle = "#fff";
  seen.fillRect(0, 0, 28, 28);
  bars.replaceChildren();
  if (answer === null) {
    digit.textContent = "–";
    confidence.textContent = "";
    return;
  }
  const pixels = seen.createImageData(28, 28);
  answer.image.flat().forEach((ink, i) => { // ink high, drawn dark on white paper
    pixels.data.set([255 - ink, 255 - ink, 255 - ink, 255], 4 * i);
  });
  seen.putImageData(pixels, 0, 0);
  digit.textContent = answer.digit;
  const top = answer.probabilities[answer.digit];
  confidence.textContent = `(${(100 * top).toFixed(1)} %)`;
  answer.probabilities.forEach((p, d) => {
    const label = document.createElement("span");
    label.textContent = d;
    const track = document.createElement("div");
    track.className = "track";
    const fill = document.createElement("div");
    fill.className = "fill";
    fill.style.width = `${100 * p}%`;
    track.append(fill);
    const value = document.createElement("span");
    value.textContent = `${(100 * p).toFixed(1)} %`;
    for (const part of [label, track, value]) {
      if (d === answer.digit) part.classList.add("top");
      bars.append(part);
    }
  });
}

async function listModels() {
  try {
    const answer = await fetch("models");
    const {models} = await answer.json();
    for (const model of models) {
      const option = new Option(model.saved ? model.title
        : `${model.title}: not saved yet (run ${model.notebook})`, model.name);
      option.disabled = !model.saved;
      choice.append(option);
    }
    const saved = models.filter((model) => model.saved);
    if (saved.length) {
      choice.value = saved[saved.length - 1].name; // the series' best saved model
    } else {
      statusLine.textContent = "No model is saved yet: run notebooks 1 to 5 (each saves its "
        + "model into models/), then reload this page.";
    }
  } catch (error) {
    statusLine.textContent = "The server does not answer: is make demo still running?";
  }
  document.body.dataset.ready = "yes";
}

document.getElementById("clear").addEventListener("click", clearPad);
choice.addEventListener("change", read);
clearPad();
listModels();
